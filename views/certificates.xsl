<?xml version="1.0" encoding="UTF-8"?>
<!--
  Every certificate of the account, searched by domain or reference.
  Model: <q/>, <certificates><certificate><reference/><domain/><serial/>
  <not_before/><not_after/><status/><expires_soon/><subscription_id/><subscription/>
  </certificate>…</certificates>, <pagination><total/><page/><pages/>
  <per_page/></pagination> (?q=…&page=N).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    xmlns:str="http://exslt.org/strings"
    exclude-result-prefixes="i18n str">

  <xsl:import href="layout.xsl"/>

  <xsl:variable name="q" select="string(/page/q)"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('certs.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('certs.title')"/></h1>
    <xsl:apply-templates select="renewal_attention[name]"/>
    <form method="get" action="{$base}/certificates" role="search" class="inline-form search" id="cert-search-form">
      <label for="cert-search"><xsl:value-of select="i18n:t('certs.search')"/></label>
      <input type="search" name="q" id="cert-search" maxlength="253" value="{$q}"
          spellcheck="false" autocapitalize="none"/>
      <button type="submit"><xsl:value-of select="i18n:t('certs.search.submit')"/></button>
    </form>
    <xsl:choose>
      <xsl:when test="number(pagination/total) = 0 and $q = ''">
        <p class="empty" id="certificates-empty"><xsl:value-of select="i18n:t('certs.none')"/></p>
      </xsl:when>
      <xsl:when test="number(pagination/total) = 0">
        <p class="empty" id="certificates-empty"><xsl:value-of select="i18n:t('certs.empty')"/></p>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="certificates"/>
        <xsl:call-template name="pager">
          <xsl:with-param name="p" select="pagination"/>
          <xsl:with-param name="before">
            <xsl:if test="$q != ''"><xsl:value-of select="concat('q=', str:encode-uri($q, true()), '&amp;')"/></xsl:if>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Names whose renewal needs attention (issue 17, the last watch run). -->
  <xsl:template match="renewal_attention">
    <section class="notice" id="renewal-attention" aria-labelledby="renewal-attention-title">
      <h2 id="renewal-attention-title"><xsl:value-of select="i18n:t('watch.renewal')"/></h2>
      <ul>
        <xsl:for-each select="name">
          <li data-renewal="{state}">
            <a href="{$base}/acme/{subscription_id}?renewal=attention#domains-section"><xsl:value-of select="domain"/></a>
            <xsl:value-of select="concat(' (', subscription, '): ', i18n:t(concat('watch.state.', state)))"/>
            <xsl:if test="string(not_after) != ''">
              <xsl:value-of select="concat(', ', i18n:t('watch.expires'), ' ')"/>
              <xsl:value-of select="i18n:date(string(not_after))"/>
            </xsl:if>
          </li>
        </xsl:for-each>
      </ul>
    </section>
  </xsl:template>

  <xsl:template match="certificates">
    <table class="data" id="cert-table">
      <caption>
        <xsl:value-of select="concat(i18n:t('certs.count'), ' ', /page/pagination/total)"/>
      </caption>
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.reference')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.domain')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.subscription')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.serial')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.not_before')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.not_after')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.status')"/></th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="certificate">
          <tr>
            <td><xsl:value-of select="reference"/></td>
            <td><xsl:value-of select="domain"/></td>
            <td><a href="{$base}/acme/{subscription_id}"><xsl:value-of select="subscription"/></a></td>
            <td class="serial"><xsl:value-of select="serial"/></td>
            <td class="date"><xsl:value-of select="i18n:date(string(not_before))"/></td>
            <xsl:call-template name="expiry-cell"/>
            <td><span class="badge badge-{status}"><xsl:value-of select="i18n:t(concat('cert.status.', status))"/></span><xsl:if test="revocation_requested = 'true'"><xsl:text> </xsl:text><span class="badge badge-revocation-requested"><xsl:value-of select="i18n:t('cert.revocation_requested')"/></span></xsl:if></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

</xsl:stylesheet>
