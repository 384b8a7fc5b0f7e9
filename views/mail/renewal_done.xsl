<?xml version="1.0" encoding="UTF-8"?>
<!-- Auto-renewal went through: new end date, amount billed. Texts: mail.renewal_done.* in views/i18n/*.xml; shape: common.xsl. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:variable name="kind" select="'renewal_done'"/>
  <xsl:variable name="paras" select="3"/>
</xsl:stylesheet>
