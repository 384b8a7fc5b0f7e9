<?xml version="1.0" encoding="UTF-8"?>
<!--
  One organization and the status of its pre-validation per level.
  Model: <organization><id/><name/><city/><country/><created_at/>
  <prevalidations><prevalidation><level/><status/><updated_at/><upstream_id/>
  </prevalidation>…</prevalidations></organization>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="organization/name"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <p class="breadcrumb">
      <a href="/prevalidations"><xsl:value-of select="i18n:t('org.back')"/></a>
    </p>
    <xsl:apply-templates select="organization"/>
  </xsl:template>

  <xsl:template match="organization">
    <h1><xsl:value-of select="name"/></h1>
    <dl class="details" id="organization">
      <div>
        <dt><xsl:value-of select="i18n:t('org.name')"/></dt>
        <dd><xsl:value-of select="name"/></dd>
      </div>
      <div>
        <dt><xsl:value-of select="i18n:t('org.city')"/></dt>
        <dd><xsl:value-of select="city"/></dd>
      </div>
      <div>
        <dt><xsl:value-of select="i18n:t('org.country')"/></dt>
        <dd><xsl:value-of select="country"/></dd>
      </div>
      <div>
        <dt><xsl:value-of select="i18n:t('org.created')"/></dt>
        <dd>
          <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="created_at"/></xsl:call-template>
        </dd>
      </div>
    </dl>

    <h2><xsl:value-of select="i18n:t('org.prevalidations')"/></h2>
    <table class="data" id="prevalidations">
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.level')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.status')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.updated')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('pv.upstream_ref')"/></th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="prevalidations/prevalidation">
          <tr>
            <td><xsl:value-of select="i18n:t(concat('level.', level))"/></td>
            <td>
              <xsl:call-template name="prevalidation-badge">
                <xsl:with-param name="status" select="string(status)"/>
                <xsl:with-param name="level" select="string(level)"/>
              </xsl:call-template>
            </td>
            <td>
              <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="updated_at"/></xsl:call-template>
            </td>
            <td class="upstream-ref">
              <xsl:choose>
                <xsl:when test="string(upstream_id) != ''"><xsl:value-of select="upstream_id"/></xsl:when>
                <xsl:otherwise>—</xsl:otherwise>
              </xsl:choose>
            </td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
    <p class="hint"><xsl:value-of select="i18n:t('pv.legend')"/></p>
  </xsl:template>

</xsl:stylesheet>
