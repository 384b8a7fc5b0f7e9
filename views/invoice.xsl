<?xml version="1.0" encoding="UTF-8"?>
<!--
  One invoice, laid out to be printed (the print stylesheet drops the site's
  chrome). An open invoice is a draft (pro forma) until it is closed.
  Model: <invoice><id/><number/><status/><draft/><period/><account_id/>
  <account_name/><issued_at/><net_cents/><vat_cents/><gross_cents/><currency/>
  <period_start/><period_end/><seller><name/><address/><vat_id/></seller>
  <customer><id/><name/></customer><lines><line><description/><date/><vat_bp/>
  <net_cents/><vat_cents/><gross_cents/></line>…</lines></invoice>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:apply-templates select="invoice" mode="heading"/>
  </xsl:template>

  <xsl:template match="invoice" mode="heading">
    <xsl:choose>
      <xsl:when test="draft = 'true'"><xsl:value-of select="i18n:t('invoice.draft.title')"/></xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="i18n:t('invoice.title')"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="number"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <p class="breadcrumb no-print">
      <a href="{$base}/invoices"><xsl:value-of select="i18n:t('invoice.back')"/></a>
      <xsl:text> · </xsl:text>
      <xsl:value-of select="i18n:t('invoice.print.hint')"/>
    </p>
    <xsl:apply-templates select="invoice"/>
  </xsl:template>

  <xsl:template match="invoice">
    <article class="invoice" id="invoice">
      <h1><xsl:apply-templates select="." mode="heading"/></h1>
      <xsl:if test="draft = 'true'">
        <p class="note warn" id="draft-note"><xsl:value-of select="i18n:t('invoice.draft.note')"/></p>
      </xsl:if>
      <div class="parties">
        <section id="seller">
          <h2><xsl:value-of select="i18n:t('invoice.seller')"/></h2>
          <p>
            <strong><xsl:value-of select="seller/name"/></strong>
            <xsl:if test="string(seller/address) != ''"><br/><xsl:value-of select="seller/address"/></xsl:if>
            <xsl:if test="string(seller/vat_id) != ''">
              <br/><xsl:value-of select="i18n:t('invoice.vat_id')"/><xsl:text> </xsl:text><xsl:value-of select="seller/vat_id"/>
            </xsl:if>
          </p>
        </section>
        <section id="customer">
          <h2><xsl:value-of select="i18n:t('invoice.customer')"/></h2>
          <p>
            <strong><xsl:value-of select="customer/name"/></strong>
            <br/><xsl:value-of select="i18n:t('invoice.customer_id')"/><xsl:text> </xsl:text><xsl:value-of select="customer/id"/>
          </p>
        </section>
      </div>
      <dl class="details" id="invoice-facts">
        <div>
          <dt><xsl:value-of select="i18n:t('invoice.number')"/></dt>
          <dd id="invoice-number">
            <xsl:choose>
              <xsl:when test="string(number) != ''"><xsl:value-of select="number"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="i18n:t('invoice.draft.short')"/></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('invoice.period')"/></dt>
          <dd>
            <xsl:value-of select="i18n:date(string(period_start))"/>
            <xsl:text> – </xsl:text>
            <xsl:value-of select="i18n:date(string(period_end))"/>
          </dd>
        </div>
        <div>
          <dt><xsl:value-of select="i18n:t('invoice.issued')"/></dt>
          <dd>
            <xsl:call-template name="date-or-dash"><xsl:with-param name="d" select="issued_at"/></xsl:call-template>
          </dd>
        </div>
      </dl>
      <xsl:apply-templates select="lines"/>
    </article>
  </xsl:template>

  <xsl:template match="lines">
    <table class="data" id="invoice-lines">
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.date')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.description')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.net')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.vat_rate')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.vat')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.gross')"/></th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="line">
          <tr class="line">
            <td><xsl:value-of select="i18n:date(string(date))"/></td>
            <td><xsl:value-of select="description"/></td>
            <td class="num"><xsl:value-of select="i18n:money(number(net_cents))"/></td>
            <td class="num"><xsl:value-of select="format-number(vat_bp div 100, '0.##')"/> %</td>
            <td class="num"><xsl:value-of select="i18n:money(number(vat_cents))"/></td>
            <td class="num"><xsl:value-of select="i18n:money(number(gross_cents))"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
      <tfoot>
        <tr id="total-net">
          <th scope="row" colspan="5"><xsl:value-of select="i18n:t('invoice.total.net')"/></th>
          <td class="num"><xsl:value-of select="i18n:money(number(../net_cents))"/></td>
        </tr>
        <tr id="total-vat">
          <th scope="row" colspan="5"><xsl:value-of select="i18n:t('invoice.total.vat')"/></th>
          <td class="num"><xsl:value-of select="i18n:money(number(../vat_cents))"/></td>
        </tr>
        <tr id="total-gross">
          <th scope="row" colspan="5"><xsl:value-of select="i18n:t('invoice.total.gross')"/></th>
          <td class="num"><strong><xsl:value-of select="i18n:money(number(../gross_cents))"/></strong></td>
        </tr>
      </tfoot>
    </table>
  </xsl:template>

</xsl:stylesheet>
