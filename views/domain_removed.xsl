<?xml version="1.0" encoding="UTF-8"?>
<!--
  A domain was deleted from a subscription: the refund, if any, and the
  certificates revoked.
  Model (as domain_delete): <subscription_id/><domain_id/><domain/>
  <within_window/><refund_cents/><revoked_certificates/>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <!-- For the "fill" template; its page templates are overridden here. -->
  <xsl:import href="domain_delete.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('removed.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <section class="confirm" aria-labelledby="removed-title" id="domain-removed">
      <h1 id="removed-title"><xsl:value-of select="i18n:t('removed.title')"/></h1>
      <p class="flash" role="status" id="removed-done">
        <xsl:call-template name="fill">
          <xsl:with-param name="text" select="i18n:t('removed.done')"/>
        </xsl:call-template>
      </p>
      <p id="removed-refund">
        <xsl:choose>
          <xsl:when test="number(refund_cents) &gt; 0">
            <xsl:call-template name="fill">
              <xsl:with-param name="text" select="i18n:t('removed.refund')"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="i18n:t('removed.no_refund')"/></xsl:otherwise>
        </xsl:choose>
      </p>
      <p id="removed-revoked">
        <xsl:call-template name="fill">
          <xsl:with-param name="text" select="i18n:t('removed.revoked')"/>
        </xsl:call-template>
      </p>
      <p class="actions">
        <a class="button primary" href="{$base}/acme/{subscription_id}" id="back-to-subscription">
          <xsl:value-of select="i18n:t('domain.back')"/>
        </a>
      </p>
    </section>
  </xsl:template>

</xsl:stylesheet>
