<?xml version="1.0" encoding="UTF-8"?>
<!--
  One ACME subscription: its information and settings, the ACME connection
  (never the HMAC key), its enrolled domains and its certificates.
  Model: <account/>, <id/><name/><type/><status/><organization/><start/>
  <end/><auto_renew/><renewal_error/><created_at/><active_domains/>
  <certificates_delivered/>, <acme><server/><kid/><contact/></acme> (the
  commands use the first active name of the domains shown),
  <domains><domain><id/><name/><status/><reference/><added_at/><removed_at/>
  <product/><wildcard/><price_cents/><refund_cents/></domain>…</domains>,
  <domains_pagination/> (?dpage=N), <certificates><certificate><reference/>
  <domain/><serial/><not_before/><not_after/><status/></certificate>…
  </certificates>, <certificates_pagination/> (?cpage=N); each pagination
  is <total/><page/><pages/><per_page/>.
  One page of each table is in the model, but a subscription may hold
  thousands of rows: keep the rows plain (no per-row forms or ids).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>
  <xsl:include href="acme_commands.xsl"/>

  <xsl:variable name="id" select="string(/page/id)"/>
  <xsl:variable name="dpage" select="string(/page/domains_pagination/page)"/>
  <xsl:variable name="cpage" select="string(/page/certificates_pagination/page)"/>
  <!-- ?renewal=attention: the model holds only the names needing attention (issue 17) -->
  <xsl:variable name="attention" select="/page/renewal_filter = 'attention'"/>
  <xsl:variable name="attention-q"><xsl:if test="$attention">&amp;renewal=attention</xsl:if></xsl:variable>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="name"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <p class="breadcrumb">
      <a href="{$base}/acme"><xsl:value-of select="i18n:t('show.back')"/></a>
    </p>
    <h1><xsl:value-of select="name"/></h1>
    <xsl:apply-templates select="account" mode="summary"/>
    <xsl:call-template name="information"/>
    <xsl:apply-templates select="acme"/>
    <xsl:call-template name="domains"/>
    <xsl:call-template name="certificates"/>
  </xsl:template>

  <!-- Information and settings -->

  <xsl:template name="information">
    <section aria-labelledby="info-title" id="information">
      <h2 id="info-title"><xsl:value-of select="i18n:t('show.info')"/></h2>
      <dl class="details">
        <div>
          <dt><xsl:value-of select="i18n:t('col.type')"/></dt>
          <dd><xsl:value-of select="i18n:t(concat('level.', type))"/></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('col.status')"/></dt>
          <dd>
            <span class="badge badge-{status}" id="sub-status">
              <xsl:value-of select="i18n:t(concat('sub.status.', status))"/>
            </span>
          </dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('col.organization')"/></dt>
          <dd>
            <xsl:choose>
              <xsl:when test="string(organization) != ''"><xsl:value-of select="organization"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="i18n:t('common.none')"/></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('show.created')"/></dt>
          <dd><xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="created_at"/></xsl:call-template></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('col.start')"/></dt>
          <dd><xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="start"/></xsl:call-template></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('col.end')"/></dt>
          <dd><xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="end"/></xsl:call-template></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('col.active_domains')"/></dt>
          <dd class="num" id="active-domains"><xsl:value-of select="active_domains"/></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('show.certificates_delivered')"/></dt>
          <dd class="num" id="certificates-delivered"><xsl:value-of select="certificates_delivered"/></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('col.auto_renew')"/></dt>
          <dd><xsl:call-template name="auto-renew"/></dd>
        </div>
        <xsl:if test="string(renewal_error) != ''">
          <div>
            <dt><xsl:value-of select="i18n:t('show.renewal_error')"/></dt>
            <dd class="field-error" id="renewal-error"><xsl:value-of select="renewal_error"/></dd>
          </div>
        </xsl:if>
      </dl>
      <form method="post" action="{$base}/acme/{$id}/settings" id="rename-form" class="inline-form">
        <xsl:call-template name="csrf"/>
        <label for="rename"><xsl:value-of select="i18n:t('show.rename')"/></label>
        <input type="text" name="name" id="rename" maxlength="100" required="required" value="{name}"/>
        <button type="submit"><xsl:value-of select="i18n:t('show.rename.submit')"/></button>
      </form>
    </section>
  </xsl:template>

  <!-- The current state, and one button that posts the other one
       explicitly (auto_renew=on or auto_renew=off). -->
  <xsl:template name="auto-renew">
    <xsl:variable name="on" select="string(auto_renew) = 'true'"/>
    <form method="post" action="{$base}/acme/{$id}/settings" id="auto-renew-form" class="inline-form">
      <xsl:call-template name="csrf"/>
      <span id="auto-renew-state">
        <xsl:choose>
          <xsl:when test="$on">
            <xsl:attribute name="class">badge badge-active</xsl:attribute>
            <xsl:value-of select="i18n:t('show.auto_renew.on')"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:attribute name="class">badge badge-none</xsl:attribute>
            <xsl:value-of select="i18n:t('show.auto_renew.off')"/>
          </xsl:otherwise>
        </xsl:choose>
      </span>
      <xsl:choose>
        <xsl:when test="$on">
          <button type="submit" name="auto_renew" value="off" id="auto-renew-off" aria-describedby="auto-renew-hint">
            <xsl:value-of select="i18n:t('show.auto_renew.disable')"/>
          </button>
        </xsl:when>
        <xsl:otherwise>
          <button type="submit" name="auto_renew" value="on" id="auto-renew-on" aria-describedby="auto-renew-hint">
            <xsl:value-of select="i18n:t('show.auto_renew.enable')"/>
          </button>
        </xsl:otherwise>
      </xsl:choose>
    </form>
    <p class="hint" id="auto-renew-hint"><xsl:value-of select="i18n:t('show.auto_renew.hint')"/></p>
  </xsl:template>

  <!-- ACME connection: the HMAC key is never shown again. -->

  <xsl:template match="acme">
    <section aria-labelledby="acme-title" id="acme-connection">
      <h2 id="acme-title"><xsl:value-of select="i18n:t('show.acme')"/></h2>
      <dl class="details">
        <div>
          <dt><xsl:value-of select="i18n:t('show.acme.server')"/></dt>
          <dd><code id="acme-server"><xsl:value-of select="server"/></code></dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('show.acme.kid')"/></dt>
          <dd><code id="eab-kid"><xsl:value-of select="kid"/></code></dd>
        </div>
      </dl>
      <p class="note" id="hmac-note"><xsl:value-of select="i18n:t('show.acme.hmac_note')"/></p>
      <xsl:variable name="names" select="/page/domains/domain[status = 'active']"/>
      <xsl:variable name="first">
        <xsl:choose>
          <xsl:when test="$names[string(wildcard) != 'true']">
            <xsl:value-of select="$names[string(wildcard) != 'true'][1]/name"/>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="$names[1]/name"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:if test="string($first) != ''">
        <h3><xsl:value-of select="i18n:t('show.acme.example')"/></h3>
        <xsl:call-template name="acme-commands">
          <xsl:with-param name="server" select="string(server)"/>
          <xsl:with-param name="kid" select="string(kid)"/>
          <xsl:with-param name="hmac" select="i18n:t('show.acme.hmac_placeholder')"/>
          <xsl:with-param name="domain" select="string($first)"/>
          <xsl:with-param name="login-contact" select="string(contact)"/>
        </xsl:call-template>
      </xsl:if>
    </section>
  </xsl:template>

  <!-- Renewal watch and last failed issuance of a domain (issue 17) -->
  <xsl:template match="renewal[state]" mode="watch">
    <span class="badge badge-renewal-{state}" data-renewal="{state}">
      <xsl:value-of select="i18n:t(concat('watch.state.', state))"/>
    </span>
    <xsl:if test="string(not_after) != ''">
      <xsl:text> </xsl:text><xsl:value-of select="i18n:date(string(not_after))"/>
    </xsl:if>
  </xsl:template>
  <xsl:template match="last_failure[order]" mode="watch">
    <div class="last-failure" data-failure="{kind}">
      <xsl:value-of select="concat(i18n:t('watch.last_failure'), ': ', i18n:t(concat('watch.failure.', kind)), ', ')"/>
      <xsl:value-of select="i18n:date(string(at))"/>
      <xsl:if test="string(description) != ''"><xsl:value-of select="concat(' (', description, ')')"/></xsl:if>
    </div>
  </xsl:template>
  <xsl:template match="*" mode="watch"/>

  <!-- Enrolled domains -->

  <xsl:template name="domains">
    <section aria-labelledby="domains-title" id="domains-section">
      <h2 id="domains-title"><xsl:value-of select="i18n:t('show.domains')"/></h2>
      <xsl:if test="status = 'active'">
        <xsl:call-template name="add-domain"/>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="number(domains_pagination/total) = 0">
          <p class="empty" id="domains-empty"><xsl:value-of select="i18n:t('show.domains.empty')"/></p>
        </xsl:when>
        <xsl:otherwise>
          <xsl:variable name="t-delete" select="i18n:t('show.delete')"/>
          <xsl:variable name="t-active" select="i18n:t('dom.status.active')"/>
          <xsl:variable name="t-removed" select="i18n:t('dom.status.removed')"/>
          <xsl:variable name="none" select="i18n:t('common.none')"/>
          <form method="get" action="{$base}/acme/{$id}" class="inline-form" id="renewal-filter">
            <label for="renewal-filter-select"><xsl:value-of select="i18n:t('watch.filter')"/></label>
            <select name="renewal" id="renewal-filter-select">
              <option value="all"><xsl:value-of select="i18n:t('watch.filter.all')"/></option>
              <option value="attention">
                <xsl:if test="$attention"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
                <xsl:value-of select="i18n:t('watch.filter.attention')"/>
              </option>
            </select>
            <button type="submit"><xsl:value-of select="i18n:t('watch.filter.submit')"/></button>
          </form>
          <table class="data" id="domains">
            <caption>
              <xsl:value-of select="concat(i18n:t('show.domains.count'), ' ', domains_pagination/total)"/>
            </caption>
            <thead>
              <tr>
                <th scope="col"><xsl:value-of select="i18n:t('col.domain')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.reference')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.added')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.status')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('watch.renewal')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.actions')"/></th>
              </tr>
            </thead>
            <tbody>
              <xsl:for-each select="domains/domain">
                <tr>
                  <td><xsl:value-of select="name"/></td>
                  <td>
                    <xsl:value-of select="reference"/>
                    <xsl:if test="string(reference) = ''"><xsl:value-of select="$none"/></xsl:if>
                  </td>
                  <td class="date"><xsl:value-of select="i18n:date(string(added_at))"/></td>
                  <xsl:choose>
                    <xsl:when test="status = 'active'">
                      <td><span class="badge badge-active"><xsl:value-of select="$t-active"/></span></td>
                      <td><xsl:apply-templates select="renewal | last_failure" mode="watch"/></td>
                      <td><xsl:call-template name="delete-icon"><xsl:with-param name="t" select="$t-delete"/></xsl:call-template></td>
                    </xsl:when>
                    <xsl:otherwise>
                      <td><span class="badge badge-removed"><xsl:value-of select="$t-removed"/></span></td>
                      <td><xsl:apply-templates select="last_failure" mode="watch"/></td>
                      <td></td>
                    </xsl:otherwise>
                  </xsl:choose>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          <xsl:call-template name="pager">
            <xsl:with-param name="p" select="domains_pagination"/>
            <xsl:with-param name="name" select="'dpage'"/>
            <xsl:with-param name="keep" select="concat('&amp;cpage=', $cpage, $attention-q, '#domains-section')"/>
          </xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="add-domain">
    <form method="post" action="{$base}/acme/{$id}/domains" id="add-domain-form" class="inline-form add-domain">
      <xsl:call-template name="csrf"/>
      <input type="hidden" name="action" value="preview"/>
      <label for="add-domain"><xsl:value-of select="i18n:t('show.add.label')"/></label>
      <input type="text" name="domain" id="add-domain" maxlength="253" required="required"
          spellcheck="false" autocapitalize="none" aria-describedby="add-domain-hint"/>
      <button type="submit" id="add-domain-preview"><xsl:value-of select="i18n:t('show.add.submit')"/></button>
      <p class="hint" id="add-domain-hint"><xsl:value-of select="i18n:t('show.add.hint')"/></p>
    </form>
  </xsl:template>

  <!-- The delete action of a domain row: the trash can the customer documentation
       shows, named for screen readers ("Delete www.example.com"). -->
  <xsl:template name="delete-icon">
    <xsl:param name="t"/>
    <a class="icon-action delete" href="{$base}/acme/{$id}/domains/{id}/delete"
        aria-label="{concat($t, ' ', name)}" title="{concat($t, ' ', name)}">
      <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="18" height="18"
          aria-hidden="true" focusable="false" class="icon-trash">
        <path d="M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h1.5v-8H10zm3.5 0v8H15v-8h-1.5z"/>
      </svg>
    </a>
  </xsl:template>

  <!-- Certificates delivered -->

  <xsl:template name="certificates">
    <section aria-labelledby="certs-title" id="certificates-section">
      <h2 id="certs-title"><xsl:value-of select="i18n:t('show.certs')"/></h2>
      <xsl:choose>
        <xsl:when test="number(certificates_pagination/total) = 0">
          <p class="empty" id="certificates-empty"><xsl:value-of select="i18n:t('show.certs.empty')"/></p>
        </xsl:when>
        <xsl:otherwise>
          <table class="data" id="certificates">
            <caption>
              <xsl:value-of select="concat(i18n:t('show.certs.count'), ' ', certificates_pagination/total)"/>
            </caption>
            <thead>
              <tr>
                <th scope="col"><xsl:value-of select="i18n:t('col.reference')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.domain')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.serial')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.not_before')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.not_after')"/></th>
                <th scope="col"><xsl:value-of select="i18n:t('col.status')"/></th>
              </tr>
            </thead>
            <tbody>
              <xsl:for-each select="certificates/certificate">
                <tr>
                  <td><xsl:value-of select="reference"/></td>
                  <td><xsl:value-of select="domain"/></td>
                  <td class="serial"><xsl:value-of select="serial"/></td>
                  <td class="date"><xsl:value-of select="i18n:date(string(not_before))"/></td>
                  <xsl:call-template name="expiry-cell"/>
                  <td><span class="badge badge-{status}"><xsl:value-of select="i18n:t(concat('cert.status.', status))"/></span><xsl:if test="revocation_requested = 'true'"><xsl:text> </xsl:text><span class="badge badge-revocation-requested"><xsl:value-of select="i18n:t('cert.revocation_requested')"/></span></xsl:if></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          <xsl:call-template name="pager">
            <xsl:with-param name="p" select="certificates_pagination"/>
            <xsl:with-param name="name" select="'cpage'"/>
            <xsl:with-param name="keep" select="concat('&amp;dpage=', $dpage, '#certificates-section')"/>
          </xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

</xsl:stylesheet>
