<?xml version="1.0" encoding="UTF-8"?>
<!-- 7 days before the end of a subscription without auto-renewal. Texts: mail.expiry_7.* in views/i18n/*.xml; shape: common.xsl. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:variable name="kind" select="'expiry_7'"/>
  <xsl:variable name="paras" select="2"/>
</xsl:stylesheet>
