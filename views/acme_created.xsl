<?xml version="1.0" encoding="UTF-8"?>
<!--
  Subscription created: its ACME (EAB) credentials, the HMAC key only on
  the first rendering.
  Model: <subscription><id/><name/><status/></subscription>,
  <acme><server/><kid/><hmac_key/><domain/><contact/></acme> (hmac_key only
  the first time; domain: the first name of the subscription, for the commands),
  <already_shown/> (true on a reload or a replayed post: no key then).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>
  <xsl:include href="acme_commands.xsl"/>

  <xsl:variable name="acme" select="/page/acme"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('created.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1>
      <xsl:value-of select="i18n:t('created.title')"/>
      <xsl:text> — </xsl:text>
      <xsl:value-of select="subscription/name"/>
    </h1>
    <xsl:choose>
      <xsl:when test="string(already_shown) != 'true' and string($acme/hmac_key) != ''">
        <xsl:call-template name="credentials"/>
      </xsl:when>
      <xsl:otherwise>
        <section class="flash warn" role="status" id="already-shown">
          <h2><xsl:value-of select="i18n:t('created.already_shown.title')"/></h2>
          <p><xsl:value-of select="i18n:t('created.already_shown')"/></p>
        </section>
      </xsl:otherwise>
    </xsl:choose>
    <p class="actions">
      <a class="button primary" href="/acme/{subscription/id}" id="open-subscription">
        <xsl:value-of select="i18n:t('created.open')"/>
      </a>
    </p>
  </xsl:template>

  <xsl:template name="credentials">
    <p class="lead"><xsl:value-of select="i18n:t('created.intro')"/></p>
    <section class="flash warn once" role="alert" id="hmac-warning">
      <h2><xsl:value-of select="i18n:t('created.warning.title')"/></h2>
      <p><xsl:value-of select="i18n:t('created.warning')"/></p>
    </section>
    <dl class="details credentials" id="credentials">
      <div>
        <dt><xsl:value-of select="i18n:t('created.kid')"/></dt>
        <dd><code id="eab-kid"><xsl:value-of select="$acme/kid"/></code></dd>
      </div>
      <div>
        <dt><xsl:value-of select="i18n:t('created.hmac')"/></dt>
        <dd><code id="eab-hmac"><xsl:value-of select="$acme/hmac_key"/></code></dd>
      </div>
      <div>
        <dt><xsl:value-of select="i18n:t('created.server')"/></dt>
        <dd><code id="acme-server"><xsl:value-of select="$acme/server"/></code></dd>
      </div>
    </dl>

    <h2><xsl:value-of select="i18n:t('created.examples')"/></h2>
    <xsl:call-template name="acme-commands">
      <xsl:with-param name="server" select="string($acme/server)"/>
      <xsl:with-param name="kid" select="string($acme/kid)"/>
      <xsl:with-param name="hmac" select="string($acme/hmac_key)"/>
      <xsl:with-param name="domain" select="string($acme/domain)"/>
      <xsl:with-param name="login-contact" select="string($acme/contact)"/>
    </xsl:call-template>
  </xsl:template>

</xsl:stylesheet>
