<?xml version="1.0" encoding="UTF-8"?>
<!--
  ACME Sectigo CaaS: the account's subscriptions.
  Model: <account/>, <subscriptions><subscription><id/><name/><type/><status/>
  <organization/><start/><end/><auto_renew/><created_at/><active_domains/>
  <certificates/></subscription>…</subscriptions>,
  <pagination><total/><page/><pages/><per_page/></pagination> (?page=N),
  <filter><status/><type/><q/><sort/><order/></filter> (the query: ?status=
  active|pending|expired, ?type=DV|OV|QWAC, ?q= part of the name, ?sort=
  created|name|type|status|start|end, ?order=asc|desc).
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
          <a href="{$base}/certificates" id="certificates-link">
            <xsl:value-of select="i18n:t('acme.list.certificates')"/>
          </a>
          <a href="{$base}/webhooks" id="webhooks-link">
            <xsl:value-of select="i18n:t('webhooks.title')"/>
          </a>
          <a class="button primary" href="{$base}/acme/new" id="create-link">
            <xsl:value-of select="i18n:t('acme.create')"/>
          </a>
        </span>
      </xsl:if>
    </div>
    <xsl:apply-templates select="account" mode="summary"/>
    <xsl:variable name="filtered" select="string(filter/status) != '' or string(filter/type) != '' or string(filter/q) != ''"/>
    <xsl:if test="number(pagination/total) &gt; 0 or $filtered">
      <xsl:call-template name="list-filter"/>
    </xsl:if>
    <xsl:choose>
      <xsl:when test="number(pagination/total) &gt; 0">
        <xsl:apply-templates select="subscriptions"/>
        <xsl:call-template name="pager">
          <xsl:with-param name="p" select="pagination"/>
          <xsl:with-param name="keep" select="$list-query"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$filtered">
        <p class="empty" id="filter-empty"><xsl:value-of select="i18n:t('list.filter.none')"/></p>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="empty-state"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The query string of the filter and sort, for the pager's links. -->
  <xsl:variable name="list-query" select="concat('&amp;status=', /page/filter/status,
      '&amp;type=', /page/filter/type, '&amp;q=', /page/filter/q,
      '&amp;sort=', /page/filter/sort, '&amp;order=', /page/filter/order)"/>

  <!-- Filter (status, type, name) and sort of the list: a GET form. -->
  <xsl:template name="list-filter">
    <form method="get" action="{$base}/acme" class="inline-form list-filter" id="list-filter" role="search">
      <label for="filter-status"><xsl:value-of select="i18n:t('col.status')"/>
        <select name="status" id="filter-status">
          <xsl:call-template name="option"><xsl:with-param name="v" select="''"/><xsl:with-param name="cur" select="/page/filter/status"/><xsl:with-param name="t" select="i18n:t('list.filter.any')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'active'"/><xsl:with-param name="cur" select="/page/filter/status"/><xsl:with-param name="t" select="i18n:t('sub.status.active')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'pending'"/><xsl:with-param name="cur" select="/page/filter/status"/><xsl:with-param name="t" select="i18n:t('sub.status.pending')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'expired'"/><xsl:with-param name="cur" select="/page/filter/status"/><xsl:with-param name="t" select="i18n:t('sub.status.expired')"/></xsl:call-template>
        </select>
      </label>
      <label for="filter-type"><xsl:value-of select="i18n:t('col.type')"/>
        <select name="type" id="filter-type">
          <xsl:call-template name="option"><xsl:with-param name="v" select="''"/><xsl:with-param name="cur" select="/page/filter/type"/><xsl:with-param name="t" select="i18n:t('list.filter.any')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'DV'"/><xsl:with-param name="cur" select="/page/filter/type"/><xsl:with-param name="t" select="'DV'"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'OV'"/><xsl:with-param name="cur" select="/page/filter/type"/><xsl:with-param name="t" select="'OV'"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'QWAC'"/><xsl:with-param name="cur" select="/page/filter/type"/><xsl:with-param name="t" select="'QWAC'"/></xsl:call-template>
        </select>
      </label>
      <label for="filter-q"><xsl:value-of select="i18n:t('col.name')"/>
        <input type="search" name="q" id="filter-q" maxlength="200" value="{/page/filter/q}"/>
      </label>
      <label for="filter-sort"><xsl:value-of select="i18n:t('list.sort')"/>
        <select name="sort" id="filter-sort">
          <xsl:call-template name="option"><xsl:with-param name="v" select="'created'"/><xsl:with-param name="cur" select="/page/filter/sort"/><xsl:with-param name="t" select="i18n:t('list.sort.created')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'name'"/><xsl:with-param name="cur" select="/page/filter/sort"/><xsl:with-param name="t" select="i18n:t('list.sort.name')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'type'"/><xsl:with-param name="cur" select="/page/filter/sort"/><xsl:with-param name="t" select="i18n:t('list.sort.type')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'status'"/><xsl:with-param name="cur" select="/page/filter/sort"/><xsl:with-param name="t" select="i18n:t('list.sort.status')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'start'"/><xsl:with-param name="cur" select="/page/filter/sort"/><xsl:with-param name="t" select="i18n:t('list.sort.start')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'end'"/><xsl:with-param name="cur" select="/page/filter/sort"/><xsl:with-param name="t" select="i18n:t('list.sort.end')"/></xsl:call-template>
        </select>
      </label>
      <label for="filter-order"><xsl:value-of select="i18n:t('list.order')"/>
        <select name="order" id="filter-order">
          <xsl:call-template name="option"><xsl:with-param name="v" select="'asc'"/><xsl:with-param name="cur" select="/page/filter/order"/><xsl:with-param name="t" select="i18n:t('list.order.asc')"/></xsl:call-template>
          <xsl:call-template name="option"><xsl:with-param name="v" select="'desc'"/><xsl:with-param name="cur" select="/page/filter/order"/><xsl:with-param name="t" select="i18n:t('list.order.desc')"/></xsl:call-template>
        </select>
      </label>
      <button type="submit" id="filter-submit"><xsl:value-of select="i18n:t('list.filter.submit')"/></button>
    </form>
  </xsl:template>

  <xsl:template name="option">
    <xsl:param name="v"/>
    <xsl:param name="cur"/>
    <xsl:param name="t"/>
    <option value="{$v}">
      <xsl:if test="string($cur) = $v"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
      <xsl:value-of select="$t"/>
    </option>
  </xsl:template>

  <xsl:template name="empty-state">
    <section class="empty" id="empty-state">
      <h2><xsl:value-of select="i18n:t('acme.empty.title')"/></h2>
      <p><xsl:value-of select="i18n:t('acme.empty.what')"/></p>
      <p><xsl:value-of select="i18n:t('acme.empty.eab')"/></p>
      <p>
        <a class="button primary" href="{$base}/acme/new" id="create-link">
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
      <td><a href="{$base}/acme/{id}"><xsl:value-of select="name"/></a></td>
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
      <td class="date">
        <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="start"/></xsl:call-template>
      </td>
      <td class="date">
        <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="end"/></xsl:call-template>
      </td>
      <td class="num"><xsl:value-of select="active_domains"/><xsl:if test="number(renewal_attention) &gt; 0"><xsl:text> </xsl:text><a class="badge badge-renewal-overdue" data-renewal-attention="{renewal_attention}" href="{$base}/acme/{id}?renewal=attention#domains-section"><xsl:value-of select="substring-before(i18n:t('watch.badge'), '{n}')"/><xsl:value-of select="renewal_attention"/><xsl:value-of select="substring-after(i18n:t('watch.badge'), '{n}')"/></a></xsl:if></td>
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
