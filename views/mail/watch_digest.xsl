<?xml version="1.0" encoding="UTF-8"?>
<!-- The daily missed-renewal digest of an account (issue 17, fcgi/center/jobs/watch.c): one line per
     name whose state turned bad since the last digest. Texts: mail.watch_digest.* and
     watch.state.* in views/i18n/*.xml; shape: common.xsl. Model: <names><name><domain/><state/>
     <subscription/><not_after/>?</name></names>. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n" exclude-result-prefixes="i18n">
  <xsl:import href="common.xsl"/>
  <xsl:variable name="kind" select="'watch_digest'"/>
  <xsl:variable name="paras" select="1"/>

  <xsl:template name="body">
    <xsl:call-template name="para"><xsl:with-param name="key" select="'mail.watch_digest.p1'"/></xsl:call-template>
    <xsl:for-each select="/page/names/name">
      <xsl:text>- </xsl:text>
      <xsl:value-of select="domain"/>
      <xsl:text> (</xsl:text>
      <xsl:value-of select="subscription"/>
      <xsl:text>): </xsl:text>
      <xsl:value-of select="i18n:t(concat('watch.state.', state))"/>
      <xsl:if test="not_after">
        <xsl:text>, </xsl:text>
        <xsl:value-of select="i18n:t('watch.expires')"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="i18n:date(not_after)"/>
      </xsl:if>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>&#10;</xsl:text>
    <xsl:call-template name="para"><xsl:with-param name="key" select="'mail.watch_digest.p2'"/></xsl:call-template>
  </xsl:template>
</xsl:stylesheet>
