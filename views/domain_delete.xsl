<?xml version="1.0" encoding="UTF-8"?>
<!--
  Confirmation before a domain is deleted from a subscription: what it
  refunds and what happens to its certificates.
  Model: <subscription_id/><domain_id/><domain/><within_window/>
  <refund_cents/><revoked_certificates/>.
  domain_removed.xsl and domain_add.xsl import this one for its "fill"
  template.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('del.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <p class="breadcrumb">
      <a href="{$base}/acme/{subscription_id}"><xsl:value-of select="i18n:t('domain.back')"/></a>
    </p>
    <section class="confirm" aria-labelledby="del-title" id="domain-delete">
      <h1 id="del-title"><xsl:value-of select="i18n:t('del.title')"/></h1>
      <xsl:choose>
        <xsl:when test="within_window = 'true'">
          <p class="note warn" id="delete-terms">
            <xsl:call-template name="fill">
              <xsl:with-param name="text" select="i18n:t('del.within')"/>
            </xsl:call-template>
          </p>
        </xsl:when>
        <xsl:otherwise>
          <p class="note" id="delete-terms">
            <xsl:call-template name="fill">
              <xsl:with-param name="text" select="i18n:t('del.after')"/>
            </xsl:call-template>
          </p>
        </xsl:otherwise>
      </xsl:choose>
      <p><xsl:value-of select="i18n:t('del.final')"/></p>
      <form method="post" action="{$base}/acme/{subscription_id}/domains/{domain_id}/delete" class="actions">
        <xsl:call-template name="csrf"/>
        <button type="submit" class="danger" id="confirm-delete">
          <xsl:value-of select="i18n:t('del.confirm')"/>
        </button>
        <xsl:text> </xsl:text>
        <a class="button" href="{$base}/acme/{subscription_id}" id="cancel-delete">
          <xsl:value-of select="i18n:t('del.cancel')"/>
        </a>
      </form>
    </section>
  </xsl:template>

  <!-- TEXT with {domain}, {amount} and {count} replaced by the page's
       domain, refund_cents (or price_cents) as money and
       revoked_certificates, each in <strong>. -->
  <xsl:template name="fill">
    <xsl:param name="text"/>
    <xsl:variable name="rest" select="substring-after($text, '{')"/>
    <xsl:choose>
      <xsl:when test="contains($rest, '}')">
        <xsl:variable name="key" select="substring-before($rest, '}')"/>
        <xsl:value-of select="substring-before($text, '{')"/>
        <strong>
          <xsl:choose>
            <xsl:when test="$key = 'domain'"><xsl:value-of select="/page/domain"/></xsl:when>
            <xsl:when test="$key = 'amount' and /page/price_cents">
              <xsl:value-of select="i18n:money(number(/page/price_cents))"/>
            </xsl:when>
            <xsl:when test="$key = 'amount'"><xsl:value-of select="i18n:money(number(/page/refund_cents))"/></xsl:when>
            <xsl:when test="$key = 'count'"><xsl:value-of select="/page/revoked_certificates"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="concat('{', $key, '}')"/></xsl:otherwise>
          </xsl:choose>
        </strong>
        <xsl:call-template name="fill">
          <xsl:with-param name="text" select="substring-after($rest, '}')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
