<?xml version="1.0" encoding="UTF-8"?>
<!--
  HTML shell of every page of the customer area. Each page stylesheet
  imports this one and defines:
    <xsl:template match="page" mode="title">   text of <title> and of the h1
    <xsl:template match="page" mode="content"> what goes inside <main>
  Every visible text comes from the catalog (i18n:t); no inline style or
  script (the CSP forbids both).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:variable name="chrome" select="/page/chrome"/>
  <xsl:variable name="path" select="string(/page/chrome/path)"/>

  <xsl:template match="/">
    <html lang="{/page/@lang}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>
          <xsl:apply-templates select="page" mode="title"/>
          <xsl:text> — </xsl:text>
          <xsl:value-of select="i18n:t('app.name')"/>
        </title>
        <!-- No favicon of our own: an empty one spares a 404 on every page. -->
        <link rel="icon" href="data:,"/>
        <link rel="stylesheet" href="/static/center.css"/>
        <script src="/static/center.js" defer="defer"></script>
      </head>
      <body class="view-{/page/@view}">
        <xsl:call-template name="header"/>
        <main>
          <xsl:apply-templates select="page" mode="content"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- Pages that define no title still get the product's name. -->
  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('app.name')"/>
  </xsl:template>

  <xsl:template match="page" mode="content"/>

  <xsl:template name="header">
    <header class="top">
      <a class="brand" href="/acme"><xsl:value-of select="i18n:t('app.name')"/></a>
      <xsl:if test="$chrome/user">
        <nav aria-label="{i18n:t('nav.label')}">
          <ul>
            <xsl:call-template name="nav-item">
              <xsl:with-param name="href" select="'/acme'"/>
              <xsl:with-param name="key" select="'nav.acme'"/>
              <xsl:with-param name="current"
                  select="$path = '/acme' or (starts-with($path, '/acme/') and $path != '/acme/new')"/>
            </xsl:call-template>
            <xsl:call-template name="nav-item">
              <xsl:with-param name="href" select="'/acme/new'"/>
              <xsl:with-param name="key" select="'nav.new'"/>
              <xsl:with-param name="current" select="$path = '/acme/new'"/>
            </xsl:call-template>
            <xsl:call-template name="nav-item">
              <xsl:with-param name="href" select="'/certificates'"/>
              <xsl:with-param name="key" select="'nav.certificates'"/>
              <xsl:with-param name="current" select="$path = '/certificates'"/>
            </xsl:call-template>
            <xsl:call-template name="nav-item">
              <xsl:with-param name="href" select="'/prevalidations'"/>
              <xsl:with-param name="key" select="'nav.prevalidations'"/>
              <xsl:with-param name="current"
                  select="$path = '/prevalidations' or starts-with($path, '/organizations/')"/>
            </xsl:call-template>
            <xsl:call-template name="nav-item">
              <xsl:with-param name="href" select="'/invoices'"/>
              <xsl:with-param name="key" select="'nav.invoices'"/>
              <xsl:with-param name="current" select="starts-with($path, '/invoices')"/>
            </xsl:call-template>
            <xsl:if test="$chrome/role = 'accounting'">
              <xsl:call-template name="nav-item">
                <xsl:with-param name="href" select="'/accounting/export'"/>
                <xsl:with-param name="key" select="'nav.export'"/>
                <xsl:with-param name="current" select="$path = '/accounting/export'"/>
              </xsl:call-template>
            </xsl:if>
          </ul>
        </nav>
        <xsl:call-template name="user-box"/>
      </xsl:if>
    </header>
  </xsl:template>

  <xsl:template name="nav-item">
    <xsl:param name="href"/>
    <xsl:param name="key"/>
    <xsl:param name="current" select="false()"/>
    <li>
      <a href="{$href}">
        <xsl:if test="$current">
          <xsl:attribute name="aria-current">page</xsl:attribute>
        </xsl:if>
        <xsl:value-of select="i18n:t($key)"/>
      </a>
    </li>
  </xsl:template>

  <xsl:template name="user-box">
    <div class="user">
      <span class="who">
        <span class="login" title="{i18n:t('user.login')}"><xsl:value-of select="$chrome/user"/></span>
        <xsl:if test="string($chrome/account) != ''">
          <xsl:text> · </xsl:text>
          <span class="account" title="{i18n:t('user.account')}"><xsl:value-of select="$chrome/account"/></span>
        </xsl:if>
      </span>
      <form class="lang" method="post" action="/settings/language">
        <input type="hidden" name="csrf" value="{$chrome/csrf}"/>
        <input type="hidden" name="back" value="{$path}"/>
        <span class="lang-buttons" role="group" aria-label="{i18n:t('lang.label')}">
          <xsl:call-template name="lang-button">
            <xsl:with-param name="lang" select="'en'"/>
          </xsl:call-template>
          <xsl:call-template name="lang-button">
            <xsl:with-param name="lang" select="'fr'"/>
          </xsl:call-template>
        </span>
      </form>
      <xsl:if test="string($chrome/handover) != 'true'">
        <form class="logout" method="post" action="/logout">
          <input type="hidden" name="csrf" value="{$chrome/csrf}"/>
          <button type="submit" id="logout"><xsl:value-of select="i18n:t('user.logout')"/></button>
        </form>
      </xsl:if>
    </div>
  </xsl:template>

  <xsl:template name="lang-button">
    <xsl:param name="lang"/>
    <button type="submit" name="lang" value="{$lang}" lang="{$lang}"
        title="{i18n:t(concat('lang.', $lang))}">
      <xsl:attribute name="aria-pressed">
        <xsl:value-of select="string(/page/@lang = $lang)"/>
      </xsl:attribute>
      <xsl:value-of select="i18n:t(concat('lang.', $lang, '.code'))"/>
    </button>
  </xsl:template>

  <!-- Helpers shared by the pages. -->

  <!-- Every POST form of a logged-in page carries the session's token. -->
  <xsl:template name="csrf">
    <input type="hidden" name="csrf" value="{$chrome/csrf}"/>
  </xsl:template>

  <!-- A date from the model, or a dash when there is none. -->
  <!-- Previous / next links of a paginated table: ?BEFORE NAME=N KEEP, where p
       holds page and pages, NAME defaults to "page", BEFORE keeps other query
       parameters (ending in &amp;) and KEEP what follows (other pages, an anchor). -->
  <xsl:template name="pager">
    <xsl:param name="p"/>
    <xsl:param name="name" select="'page'"/>
    <xsl:param name="before" select="''"/>
    <xsl:param name="keep" select="''"/>
    <xsl:if test="number($p/pages) &gt; 1">
      <nav class="pager" aria-label="{i18n:t('pager.label')}">
        <xsl:if test="number($p/page) &gt; 1">
          <a rel="prev" href="?{$before}{$name}={number($p/page) - 1}{$keep}"><xsl:value-of select="i18n:t('pager.prev')"/></a>
        </xsl:if>
        <span class="position">
          <xsl:value-of select="concat(i18n:t('pager.page'), ' ', $p/page, ' ', i18n:t('pager.of'), ' ', $p/pages)"/>
        </span>
        <xsl:if test="number($p/page) &lt; number($p/pages)">
          <a rel="next" href="?{$before}{$name}={number($p/page) + 1}{$keep}"><xsl:value-of select="i18n:t('pager.next')"/></a>
        </xsl:if>
      </nav>
    </xsl:if>
  </xsl:template>

  <!-- A certificate's expiry, highlighted when a valid one ends within 30 days
       (expires_soon, computed by the customer area from its clock). -->
  <xsl:template name="expiry-cell">
    <td>
      <xsl:attribute name="class">
        <xsl:text>date</xsl:text>
        <xsl:if test="expires_soon = 'true'"> expires-soon</xsl:if>
      </xsl:attribute>
      <xsl:value-of select="i18n:date(string(not_after))"/>
      <xsl:if test="expires_soon = 'true'">
        <xsl:text> </xsl:text>
        <span class="badge badge-expiring"><xsl:value-of select="i18n:t('cert.expires_soon')"/></span>
      </xsl:if>
    </td>
  </xsl:template>

  <xsl:template name="date-or-dash">
    <xsl:param name="d"/>
    <xsl:choose>
      <xsl:when test="string($d) != ''"><xsl:value-of select="i18n:date(string($d))"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="i18n:t('common.none')"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Status badge of a pre-validation. -->
  <!-- Status badge of a pre-validation; DV needs none, so "none" reads
       "not needed" there. -->
  <xsl:template name="prevalidation-badge">
    <xsl:param name="status"/>
    <xsl:param name="level"/>
    <span class="badge badge-{$status}">
      <xsl:choose>
        <xsl:when test="$status = 'none' and $level = 'DV'">
          <xsl:value-of select="i18n:t('pv.status.not_needed')"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="i18n:t(concat('pv.status.', $status))"/>
        </xsl:otherwise>
      </xsl:choose>
    </span>
  </xsl:template>

  <!-- Account type, and the balance of a deposit account. -->
  <xsl:template match="account" mode="summary">
    <dl class="account-summary">
      <div>
        <dt><xsl:value-of select="i18n:t('account.type')"/></dt>
        <dd><xsl:value-of select="i18n:t(concat('account.type.', type))"/></dd>
      </div>
      <xsl:if test="type = 'deposit'">
        <div>
          <dt><xsl:value-of select="i18n:t('account.balance')"/></dt>
          <dd class="num" id="balance"><xsl:value-of select="i18n:money(number(balance_cents))"/></dd>
        </div>
      </xsl:if>
    </dl>
  </xsl:template>

</xsl:stylesheet>
