<?xml version="1.0" encoding="UTF-8"?>
<!--
  ACME Sectigo CaaS: the account's subscriptions.
  Model: <account/>, <subscriptions><subscription><id/><name/><type/><status/>
  <organization/><start/><end/><auto_renew/><created_at/><active_domains/>
  <certificates/></subscription>…</subscriptions>,
  <pagination><total/><page/><pages/><per_page/></pagination> (?page=N).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('acme.list.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <div class="page-head">
      <h1><xsl:value-of select="i18n:t('acme.list.title')"/></h1>
      <xsl:if test="number(pagination/total) &gt; 0">
        <span class="head-links">
          <a href="/certificates" id="certificates-link">
            <xsl:value-of select="i18n:t('acme.list.certificates')"/>
          </a>
          <a href="/webhooks" id="webhooks-link">
            <xsl:value-of select="i18n:t('webhooks.title')"/>
          </a>
          <a class="button primary" href="/acme/new" id="create-link">
            <xsl:value-of select="i18n:t('acme.create')"/>
          </a>
        </span>
      </xsl:if>
    </div>
    <xsl:apply-templates select="account" mode="summary"/>
    <xsl:choose>
      <xsl:when test="number(pagination/total) &gt; 0">
        <xsl:apply-templates select="subscriptions"/>
        <xsl:call-template name="pager">
          <xsl:with-param name="p" select="pagination"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="empty-state"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="empty-state">
    <section class="empty" id="empty-state">
      <h2><xsl:value-of select="i18n:t('acme.empty.title')"/></h2>
      <p><xsl:value-of select="i18n:t('acme.empty.what')"/></p>
      <p><xsl:value-of select="i18n:t('acme.empty.eab')"/></p>
      <p>
        <a class="button primary" href="/acme/new" id="create-link">
          <xsl:value-of select="i18n:t('acme.create')"/>
        </a>
      </p>
    </section>
  </xsl:template>

  <xsl:template match="subscriptions">
    <table class="data" id="subscriptions">
      <caption>
        <xsl:value-of select="i18n:t('acme.list.count')"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="/page/pagination/total"/>
      </caption>
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.name')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.type')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.status')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.organization')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.start')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.end')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.active_domains')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.certificates')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.auto_renew')"/></th>
        </tr>
      </thead>
      <tbody>
        <xsl:apply-templates select="subscription"/>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template match="subscription">
    <tr>
      <td><a href="/acme/{id}"><xsl:value-of select="name"/></a></td>
      <td><xsl:value-of select="type"/></td>
      <td>
        <span class="badge badge-{status}">
          <xsl:value-of select="i18n:t(concat('sub.status.', status))"/>
        </span>
      </td>
      <td>
        <xsl:choose>
          <xsl:when test="string(organization) != ''"><xsl:value-of select="organization"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="i18n:t('common.none')"/></xsl:otherwise>
        </xsl:choose>
      </td>
      <td>
        <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="start"/></xsl:call-template>
      </td>
      <td>
        <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="end"/></xsl:call-template>
      </td>
      <td class="num"><xsl:value-of select="active_domains"/><xsl:if test="number(renewal_attention) &gt; 0"><xsl:text> </xsl:text><a class="badge badge-renewal-overdue" data-renewal-attention="{renewal_attention}" href="/acme/{id}?renewal=attention#domains-section"><xsl:value-of select="substring-before(i18n:t('watch.badge'), '{n}')"/><xsl:value-of select="renewal_attention"/><xsl:value-of select="substring-after(i18n:t('watch.badge'), '{n}')"/></a></xsl:if></td>
      <td class="num"><xsl:value-of select="certificates"/></td>
      <td>
        <xsl:choose>
          <xsl:when test="auto_renew = 'true'"><xsl:value-of select="i18n:t('common.yes')"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="i18n:t('common.no')"/></xsl:otherwise>
        </xsl:choose>
      </td>
    </tr>
  </xsl:template>

</xsl:stylesheet>
