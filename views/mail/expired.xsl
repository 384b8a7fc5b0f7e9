<?xml version="1.0" encoding="UTF-8"?>
<!-- A subscription reached its end without renewal: revoked certificates. Texts: mail.expired.* in views/i18n/*.xml; shape: common.xsl. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:variable name="kind" select="'expired'"/>
  <xsl:variable name="paras" select="3"/>
</xsl:stylesheet>
