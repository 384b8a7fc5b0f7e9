<?xml version="1.0" encoding="UTF-8"?>
<!-- Login form: model <login><csrf/><login/><next/></login>, optional <error>. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('login.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <section class="login-page">
      <h1><xsl:value-of select="i18n:t('login.title')"/></h1>
      <p class="hint"><xsl:value-of select="i18n:t('login.intro')"/></p>
      <xsl:if test="string(error) != ''">
        <p class="flash error" role="alert" id="login-error"><xsl:value-of select="error"/></p>
      </xsl:if>
      <form method="post" action="{$base}/login" class="stack" id="login-form">
        <input type="hidden" name="csrf" value="{login/csrf}"/>
        <xsl:if test="string(login/next) != ''">
          <input type="hidden" name="next" value="{login/next}"/>
        </xsl:if>
        <label for="login">
          <xsl:value-of select="i18n:t('login.login')"/>
          <input type="text" id="login" name="login" value="{login/login}"
              autocomplete="username" required="required" maxlength="100"
              autocapitalize="none" spellcheck="false">
            <xsl:if test="string(login/login) = ''">
              <xsl:attribute name="autofocus">autofocus</xsl:attribute>
            </xsl:if>
          </input>
        </label>
        <label for="password">
          <xsl:value-of select="i18n:t('login.password')"/>
          <input type="password" id="password" name="password"
              autocomplete="current-password" required="required">
            <xsl:if test="string(login/login) != ''">
              <xsl:attribute name="autofocus">autofocus</xsl:attribute>
            </xsl:if>
          </input>
        </label>
        <button type="submit" class="primary" id="login-submit">
          <xsl:value-of select="i18n:t('login.submit')"/>
        </button>
      </form>
    </section>
  </xsl:template>

</xsl:stylesheet>
