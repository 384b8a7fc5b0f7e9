<?xml version="1.0" encoding="UTF-8"?>
<!--
  The account's invoices (every account's for the accounting role), newest first.
  Model: <all_accounts/>, <invoices><invoice><id/><number/><status/><draft/><period/>
  <account_id/><account_name/><issued_at/><net_cents/><vat_cents/><gross_cents/>
  <currency/></invoice>…</invoices>, <pagination><page/><pages/><per_page/><total/></pagination>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('invoices.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('invoices.title')"/></h1>
    <p class="lead"><xsl:value-of select="i18n:t('invoices.intro')"/></p>
    <xsl:choose>
      <xsl:when test="invoices/invoice">
        <xsl:apply-templates select="invoices"/>
        <xsl:apply-templates select="pagination"/>
      </xsl:when>
      <xsl:otherwise>
        <section class="empty" id="empty-state">
          <h2><xsl:value-of select="i18n:t('invoices.empty')"/></h2>
        </section>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="invoices">
    <table class="data" id="invoices">
      <caption>
        <xsl:value-of select="i18n:t('invoices.count')"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="/page/pagination/total"/>
      </caption>
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.number')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.period')"/></th>
          <xsl:if test="/page/all_accounts = 'true'">
            <th scope="col"><xsl:value-of select="i18n:t('col.account')"/></th>
          </xsl:if>
          <th scope="col"><xsl:value-of select="i18n:t('col.status')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.issued')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.net')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.vat')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.gross')"/></th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="invoice">
          <tr id="invoice-{id}">
            <td>
              <a href="{$base}/invoices/{id}">
                <xsl:choose>
                  <xsl:when test="string(number) != ''"><xsl:value-of select="number"/></xsl:when>
                  <xsl:otherwise><xsl:value-of select="i18n:t('invoice.draft.short')"/></xsl:otherwise>
                </xsl:choose>
              </a>
            </td>
            <td><xsl:value-of select="period"/></td>
            <xsl:if test="/page/all_accounts = 'true'">
              <td><xsl:value-of select="account_name"/></td>
            </xsl:if>
            <td>
              <span class="badge badge-{status}">
                <xsl:value-of select="i18n:t(concat('invoice.status.', status))"/>
              </span>
            </td>
            <td>
              <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="issued_at"/></xsl:call-template>
            </td>
            <td class="num"><xsl:value-of select="i18n:money(number(net_cents))"/></td>
            <td class="num"><xsl:value-of select="i18n:money(number(vat_cents))"/></td>
            <td class="num"><xsl:value-of select="i18n:money(number(gross_cents))"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template match="pagination">
    <nav class="pagination" aria-label="{i18n:t('pagination.label')}">
      <xsl:if test="page &gt; 1">
        <a rel="prev" id="prev-page" href="{$base}/invoices?page={page - 1}">
          <xsl:value-of select="i18n:t('pagination.prev')"/>
        </a>
      </xsl:if>
      <span class="pages">
        <xsl:value-of select="i18n:t('pagination.page')"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="page"/>
        <xsl:text> / </xsl:text>
        <xsl:value-of select="pages"/>
      </span>
      <xsl:if test="page &lt; pages">
        <a rel="next" id="next-page" href="{$base}/invoices?page={page + 1}">
          <xsl:value-of select="i18n:t('pagination.next')"/>
        </a>
      </xsl:if>
    </nav>
  </xsl:template>

</xsl:stylesheet>
