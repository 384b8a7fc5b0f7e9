<?xml version="1.0" encoding="UTF-8"?>
<!--
  The shape of every notification e-mail (fcgi/center/jobs/notify.c). Output is
  text: the first line is the subject, then a blank line, then the body.
  Each views/mail/<kind>.xsl imports this and sets $kind and $paras; the
  texts are the catalog's mail.<kind>.subject and mail.<kind>.p1 … pN, in
  which {name}-style placeholders are replaced by the values below,
  formatted for the reader's language.
  Model: <page view="mail/<kind>"> with <subscription_id/>, <link/> (when
  public_url is set) and the kind's parameters (notify.h): <subscription_name/>
  <level/> <end_date/> <domain/> <amount_cents/> <missing_cents/>
  <refund_cents/> <revoked_count/>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    xmlns:exsl="http://exslt.org/common"
    exclude-result-prefixes="i18n exsl">

  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:variable name="kind" select="''"/>
  <xsl:variable name="paras" select="0"/>

  <!-- The placeholders a text may use. -->
  <xsl:variable name="values">
    <v k="name"><xsl:value-of select="/page/subscription_name"/></v>
    <v k="id"><xsl:value-of select="/page/subscription_id"/></v>
    <v k="level"><xsl:value-of select="/page/level"/></v>
    <v k="domain"><xsl:value-of select="/page/domain"/></v>
    <v k="link"><xsl:value-of select="/page/link"/></v>
    <v k="revoked"><xsl:value-of select="/page/revoked_count"/></v>
    <v k="end">
      <xsl:if test="/page/end_date"><xsl:value-of select="i18n:date(/page/end_date)"/></xsl:if>
    </v>
    <v k="amount">
      <xsl:if test="/page/amount_cents"><xsl:value-of select="i18n:money(/page/amount_cents)"/></xsl:if>
    </v>
    <v k="missing">
      <xsl:if test="/page/missing_cents"><xsl:value-of select="i18n:money(/page/missing_cents)"/></xsl:if>
    </v>
    <v k="refund">
      <xsl:if test="/page/refund_cents"><xsl:value-of select="i18n:money(/page/refund_cents)"/></xsl:if>
    </v>
  </xsl:variable>
  <xsl:variable name="v" select="exsl:node-set($values)/v"/>

  <xsl:template match="/page">
    <xsl:call-template name="text">
      <xsl:with-param name="key" select="concat('mail.', $kind, '.subject')"/>
    </xsl:call-template>
    <xsl:text>&#10;&#10;</xsl:text>
    <xsl:call-template name="para"><xsl:with-param name="key" select="'mail.greeting'"/></xsl:call-template>
    <xsl:call-template name="body"/>
    <xsl:if test="link">
      <xsl:call-template name="para"><xsl:with-param name="key" select="'mail.link'"/></xsl:call-template>
    </xsl:if>
    <xsl:call-template name="text"><xsl:with-param name="key" select="'mail.signature'"/></xsl:call-template>
    <xsl:text>&#10;</xsl:text>
    <xsl:call-template name="text"><xsl:with-param name="key" select="'mail.auto'"/></xsl:call-template>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- mail.<kind>.p1 … p$paras; a kind may define its own. -->
  <xsl:template name="body">
    <xsl:param name="i" select="1"/>
    <xsl:if test="$i &lt;= $paras">
      <xsl:call-template name="para">
        <xsl:with-param name="key" select="concat('mail.', $kind, '.p', $i)"/>
      </xsl:call-template>
      <xsl:call-template name="body"><xsl:with-param name="i" select="$i + 1"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- A catalog text, filled, then a blank line. -->
  <xsl:template name="para">
    <xsl:param name="key"/>
    <xsl:call-template name="text"><xsl:with-param name="key" select="$key"/></xsl:call-template>
    <xsl:text>&#10;&#10;</xsl:text>
  </xsl:template>

  <xsl:template name="text">
    <xsl:param name="key"/>
    <xsl:call-template name="fill"><xsl:with-param name="s" select="i18n:t($key)"/></xsl:call-template>
  </xsl:template>

  <!-- s with every {k} replaced by the value named k (unknown: empty). -->
  <xsl:template name="fill">
    <xsl:param name="s"/>
    <xsl:variable name="rest" select="substring-after($s, '{')"/>
    <xsl:choose>
      <xsl:when test="contains($rest, '}')">
        <xsl:variable name="k" select="substring-before($rest, '}')"/>
        <xsl:value-of select="substring-before($s, '{')"/>
        <xsl:value-of select="$v[@k = $k]"/>
        <xsl:call-template name="fill">
          <xsl:with-param name="s" select="substring-after($rest, '}')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
