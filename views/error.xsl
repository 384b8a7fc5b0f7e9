<?xml version="1.0" encoding="UTF-8"?>
<!-- Error page: model <error><status/><field/><message/><title/></error>. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="error/title"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <section class="error-page" id="error">
      <h1><xsl:value-of select="error/title"/></h1>
      <p class="status">
        <xsl:value-of select="i18n:t('error.status')"/>
        <xsl:text> </xsl:text>
        <code id="error-status"><xsl:value-of select="error/status"/></code>
      </p>
      <xsl:if test="string(error/message) != string(error/title)">
        <p class="message" role="alert" id="error-message"><xsl:value-of select="error/message"/></p>
      </xsl:if>
      <xsl:if test="string(error/field) != ''">
        <p class="field">
          <xsl:value-of select="i18n:t('error.field')"/>
          <xsl:text> </xsl:text>
          <code id="error-field"><xsl:value-of select="error/field"/></code>
        </p>
      </xsl:if>
      <p class="actions">
        <a class="button primary" href="{$base}/acme"><xsl:value-of select="i18n:t('error.home')"/></a>
      </p>
    </section>
  </xsl:template>

</xsl:stylesheet>
