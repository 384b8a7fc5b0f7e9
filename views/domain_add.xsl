<?xml version="1.0" encoding="UTF-8"?>
<!--
  Adding a domain to a subscription: the pro rata price and the form that
  confirms it, or why the domain cannot be added.
  Model: <account/>, <subscription_id/>, <domain/>, then <price_cents/>
  (a successful preview) or <error><field/><message/></error>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <!-- For the "fill" template; its page templates are overridden here. -->
  <xsl:import href="domain_delete.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('add.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <p class="breadcrumb">
      <a href="{$base}/acme/{subscription_id}"><xsl:value-of select="i18n:t('domain.back')"/></a>
    </p>
    <h1><xsl:value-of select="i18n:t('add.title')"/></h1>
    <xsl:apply-templates select="account" mode="summary"/>
    <xsl:choose>
      <xsl:when test="error">
        <div class="flash error" role="alert" id="add-error">
          <strong><xsl:value-of select="i18n:t('add.refused')"/></strong>
          <xsl:text> </xsl:text>
          <xsl:value-of select="error/message"/>
        </div>
        <p class="actions">
          <a class="button" href="{$base}/acme/{subscription_id}" id="back-to-subscription">
            <xsl:value-of select="i18n:t('domain.back')"/>
          </a>
        </p>
      </xsl:when>
      <xsl:otherwise>
        <section class="confirm" aria-labelledby="add-cost" id="domain-add">
          <p id="add-cost">
            <xsl:call-template name="fill">
              <xsl:with-param name="text" select="i18n:t('add.cost')"/>
            </xsl:call-template>
          </p>
          <form method="post" action="{$base}/acme/{subscription_id}/domains" class="actions">
            <xsl:call-template name="csrf"/>
            <input type="hidden" name="domain" value="{domain}"/>
            <input type="hidden" name="action" value="add"/>
            <button type="submit" class="primary" id="confirm-add">
              <xsl:value-of select="i18n:t('add.confirm')"/>
            </button>
            <xsl:text> </xsl:text>
            <a class="button" href="{$base}/acme/{subscription_id}" id="cancel-add">
              <xsl:value-of select="i18n:t('del.cancel')"/>
            </a>
          </form>
        </section>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
