<?xml version="1.0" encoding="UTF-8"?>
<!--
  Accounting export form (accounting role). Submitting it downloads the file
  (GET with from, to, format and encoding). Model: <form><from/><to/><format/><encoding/><timezone/></form>,
  and <error><field/><message/></error> when the last attempt was refused.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('export.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('export.title')"/></h1>
    <p class="lead"><xsl:value-of select="i18n:t('export.intro')"/></p>
    <xsl:if test="error">
      <p class="flash flash-error" role="alert" id="export-error"><xsl:value-of select="error/message"/></p>
    </xsl:if>
    <form method="get" action="/accounting/export" class="stack" id="export-form">
      <xsl:call-template name="date-field">
        <xsl:with-param name="name" select="'from'"/>
      </xsl:call-template>
      <xsl:call-template name="date-field">
        <xsl:with-param name="name" select="'to'"/>
      </xsl:call-template>
      <fieldset>
        <legend><xsl:value-of select="i18n:t('export.format')"/></legend>
        <xsl:call-template name="format-choice"><xsl:with-param name="f" select="'csv'"/></xsl:call-template>
        <xsl:call-template name="format-choice"><xsl:with-param name="f" select="'fec'"/></xsl:call-template>
        <xsl:call-template name="format-choice"><xsl:with-param name="f" select="'csv-fr'"/></xsl:call-template>
      </fieldset>
      <xsl:call-template name="encoding-field"/>
      <button type="submit" class="primary" id="export-submit">
        <xsl:value-of select="i18n:t('export.submit')"/>
      </button>
    </form>
    <p class="hint"><xsl:value-of select="i18n:t('export.hint')"/></p>
    <p class="hint" id="export-timezone"><xsl:value-of select="i18n:t('export.timezone')"/>
      <xsl:text> </xsl:text><strong><xsl:value-of select="form/timezone"/></strong></p>
  </xsl:template>

  <xsl:template name="encoding-field">
    <label for="encoding">
      <xsl:value-of select="i18n:t('export.encoding')"/>
      <select name="encoding" id="encoding">
        <xsl:if test="/page/error/field = 'encoding'">
          <xsl:attribute name="aria-invalid">true</xsl:attribute>
        </xsl:if>
        <xsl:call-template name="encoding-option"><xsl:with-param name="e" select="'utf-8'"/></xsl:call-template>
        <xsl:call-template name="encoding-option"><xsl:with-param name="e" select="'iso-8859-15'"/></xsl:call-template>
      </select>
    </label>
  </xsl:template>

  <xsl:template name="encoding-option">
    <xsl:param name="e"/>
    <option value="{$e}">
      <xsl:if test="/page/form/encoding = $e">
        <xsl:attribute name="selected">selected</xsl:attribute>
      </xsl:if>
      <xsl:value-of select="i18n:t(concat('export.encoding.', $e))"/>
    </option>
  </xsl:template>

  <xsl:template name="date-field">
    <xsl:param name="name"/>
    <label for="{$name}">
      <xsl:value-of select="i18n:t(concat('export.', $name))"/>
      <input type="date" name="{$name}" id="{$name}" required="required"
          value="{/page/form/*[local-name() = $name]}">
        <xsl:if test="/page/error/field = $name">
          <xsl:attribute name="aria-invalid">true</xsl:attribute>
        </xsl:if>
      </input>
    </label>
  </xsl:template>

  <xsl:template name="format-choice">
    <xsl:param name="f"/>
    <label class="inline" for="format-{$f}">
      <input type="radio" name="format" id="format-{$f}" value="{$f}">
        <xsl:if test="/page/form/format = $f">
          <xsl:attribute name="checked">checked</xsl:attribute>
        </xsl:if>
      </input>
      <xsl:text> </xsl:text>
      <xsl:value-of select="i18n:t(concat('export.format.', $f))"/>
    </label>
  </xsl:template>

</xsl:stylesheet>
