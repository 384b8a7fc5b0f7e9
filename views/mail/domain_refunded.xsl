<?xml version="1.0" encoding="UTF-8"?>
<!-- A domain deleted within its refund window: refund and revoked certificates. Texts: mail.domain_refunded.* in views/i18n/*.xml; shape: common.xsl. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:variable name="kind" select="'domain_refunded'"/>
  <xsl:variable name="paras" select="3"/>
</xsl:stylesheet>
