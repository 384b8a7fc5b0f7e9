<?xml version="1.0" encoding="UTF-8"?>
<!--
  Pre-validations of the account's organizations, one column per level.
  Model: <organizations><organization><id/><name/><city/><country/>
  <prevalidations><prevalidation><level/><status/><updated_at/><upstream_id/>
  </prevalidation>…</prevalidations></organization>…</organizations>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('pv.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('pv.title')"/></h1>
    <p class="lead"><xsl:value-of select="i18n:t('pv.intro')"/></p>
    <xsl:choose>
      <xsl:when test="organizations/organization">
        <xsl:apply-templates select="organizations"/>
      </xsl:when>
      <xsl:otherwise>
        <section class="empty" id="empty-state">
          <h2><xsl:value-of select="i18n:t('pv.empty.title')"/></h2>
          <p><xsl:value-of select="i18n:t('pv.empty.text')"/></p>
        </section>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="organizations">
    <!-- Every organization carries the same levels, in the same order. -->
    <xsl:variable name="levels" select="organization[1]/prevalidations/prevalidation/level"/>
    <table class="data" id="prevalidations">
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.organization')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.location')"/></th>
          <xsl:for-each select="$levels">
            <th scope="col"><xsl:value-of select="."/></th>
          </xsl:for-each>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="organization">
          <xsl:variable name="org" select="."/>
          <tr>
            <td><a href="/organizations/{id}"><xsl:value-of select="name"/></a></td>
            <td>
              <xsl:value-of select="city"/>
              <xsl:if test="string(city) != '' and string(country) != ''">, </xsl:if>
              <xsl:value-of select="country"/>
            </td>
            <xsl:for-each select="$levels">
              <xsl:variable name="lvl" select="string(.)"/>
              <xsl:variable name="pv" select="$org/prevalidations/prevalidation[level = $lvl]"/>
              <td>
                <xsl:call-template name="prevalidation-badge">
                  <xsl:with-param name="level" select="$lvl"/>
                  <xsl:with-param name="status">
                    <xsl:choose>
                      <xsl:when test="string($pv/status) != ''"><xsl:value-of select="$pv/status"/></xsl:when>
                      <xsl:otherwise>none</xsl:otherwise>
                    </xsl:choose>
                  </xsl:with-param>
                </xsl:call-template>
                <xsl:if test="string($pv/upstream_id) != ''">
                  <span class="upstream-ref">
                    <xsl:value-of select="concat(' ', i18n:t('pv.upstream_ref'), ' ', $pv/upstream_id)"/>
                  </span>
                </xsl:if>
              </td>
            </xsl:for-each>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
    <p class="hint"><xsl:value-of select="i18n:t('pv.legend')"/></p>
  </xsl:template>

</xsl:stylesheet>
