<?xml version="1.0" encoding="UTF-8"?>
<!--
  New ACME subscription: the account's price list and the creation form.
  Model: <account/>, <types><type><level/><needs_organization/>
  <products><product><code/><wildcard/><name/><list_price_cents/><price_cents/>
  </product>…</products><organizations><organization><id/><name/>
  </organization>…</organizations></type>…</types>.
  <form_token/>: the form's idempotency key, posted back as form_token so
  that a double submit creates one subscription.
  Optional <form><type/><organization_id/><name/><domains/><form_token/></form>
  refills the fields after a preview or a refused submission; then either
  <quote><lines><line><domain/><product/><product_name/><wildcard/>
  <price_cents/></line>…</lines><total_cents/><vat_bp/><vat_cents/>
  <gross_cents/></quote> (the preview, with the "Subscribe" form) or
  <error><field/><message/></error>.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:variable name="chosen-type">
    <xsl:choose>
      <xsl:when test="string(/page/form/type) != ''"><xsl:value-of select="/page/form/type"/></xsl:when>
      <xsl:otherwise>DV</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- The key of the first rendering travels through every later post. -->
  <xsl:variable name="form-token">
    <xsl:choose>
      <xsl:when test="string(/page/form/form_token) != ''"><xsl:value-of select="/page/form/form_token"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="/page/form_token"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="error-field" select="string(/page/error/field)"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('acme.new.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('acme.new.title')"/></h1>
    <p class="lead"><xsl:value-of select="i18n:t('acme.new.intro')"/></p>
    <xsl:apply-templates select="account" mode="summary"/>
    <xsl:apply-templates select="quote"/>
    <div class="columns">
      <section class="col-form" aria-labelledby="form-title">
        <h2 id="form-title"><xsl:value-of select="i18n:t('acme.new.form')"/></h2>
        <xsl:apply-templates select="error"/>
        <xsl:apply-templates select="types" mode="form"/>
      </section>
      <section class="col-prices" aria-labelledby="prices-title">
        <h2 id="prices-title"><xsl:value-of select="i18n:t('prices.title')"/></h2>
        <xsl:apply-templates select="types" mode="prices"/>
      </section>
    </div>
  </xsl:template>

  <!-- Price list -->

  <xsl:template match="types" mode="prices">
    <table class="data" id="price-list">
      <thead>
        <tr>
          <th scope="col"><xsl:value-of select="i18n:t('col.product')"/></th>
          <th scope="col"><xsl:value-of select="i18n:t('col.covers')"/></th>
          <th scope="col" class="num"><xsl:value-of select="i18n:t('col.your_price')"/></th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="type/products/product">
          <tr>
            <td class="product"><xsl:value-of select="name"/></td>
            <td>
              <xsl:choose>
                <xsl:when test="wildcard = 'true'"><xsl:value-of select="i18n:t('prices.wildcard')"/></xsl:when>
                <xsl:otherwise><xsl:value-of select="i18n:t('prices.fqdn')"/></xsl:otherwise>
              </xsl:choose>
            </td>
            <td class="num">
              <xsl:if test="number(list_price_cents) != number(price_cents)">
                <s class="list-price" title="{i18n:t('prices.list')}">
                  <xsl:value-of select="i18n:money(number(list_price_cents))"/>
                </s>
                <xsl:text> </xsl:text>
              </xsl:if>
              <strong><xsl:value-of select="i18n:money(number(price_cents))"/></strong>
            </td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
    <p class="hint">
      <xsl:value-of select="i18n:t('prices.note')"/>
      <xsl:if test="type/products/product[number(list_price_cents) != number(price_cents)]">
        <xsl:text> </xsl:text>
        <xsl:value-of select="i18n:t('prices.note.negotiated')"/>
      </xsl:if>
    </p>
  </xsl:template>

  <!-- Refusal: the message, and the field it names is marked below. -->
  <xsl:template match="error">
    <div class="flash error" role="alert" id="form-error">
      <strong><xsl:value-of select="i18n:t('form.error')"/></strong>
      <xsl:text> </xsl:text>
      <span id="form-error-message"><xsl:value-of select="message"/></span>
    </div>
  </xsl:template>

  <!-- aria-invalid and the error's id on the field the error names. -->
  <xsl:template name="invalid-if">
    <xsl:param name="field"/>
    <xsl:param name="hint"/>
    <xsl:choose>
      <xsl:when test="$error-field = $field">
        <xsl:attribute name="aria-invalid">true</xsl:attribute>
        <xsl:attribute name="aria-describedby">
          <xsl:value-of select="normalize-space(concat('form-error-message ', $hint))"/>
        </xsl:attribute>
      </xsl:when>
      <xsl:when test="$hint != ''">
        <xsl:attribute name="aria-describedby"><xsl:value-of select="$hint"/></xsl:attribute>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- Preview: each line, the yearly totals, and the form that subscribes
       with exactly the fields that were priced. -->
  <xsl:template match="quote">
    <section class="quote" aria-labelledby="quote-title" id="quote-section">
      <h2 id="quote-title"><xsl:value-of select="i18n:t('quote.title')"/></h2>
      <table class="data" id="quote">
        <caption><xsl:value-of select="i18n:t('quote.caption')"/></caption>
        <thead>
          <tr>
            <th scope="col"><xsl:value-of select="i18n:t('col.domain')"/></th>
            <th scope="col"><xsl:value-of select="i18n:t('col.product')"/></th>
            <th scope="col" class="num"><xsl:value-of select="i18n:t('col.price')"/></th>
          </tr>
        </thead>
        <tbody>
          <xsl:for-each select="lines/line">
            <tr>
              <td><code><xsl:value-of select="domain"/></code></td>
              <td><xsl:value-of select="product_name"/></td>
              <td class="num"><xsl:value-of select="i18n:money(number(price_cents))"/></td>
            </tr>
          </xsl:for-each>
        </tbody>
        <tfoot>
          <tr class="total">
            <th scope="row" colspan="2"><xsl:value-of select="i18n:t('quote.total')"/></th>
            <td class="num" id="quote-total"><xsl:value-of select="i18n:money(number(total_cents))"/></td>
          </tr>
          <tr>
            <th scope="row" colspan="2">
              <xsl:value-of select="i18n:t('quote.vat')"/>
              <xsl:text> (</xsl:text>
              <xsl:call-template name="vat-rate"/>
              <xsl:text> %)</xsl:text>
            </th>
            <td class="num" id="quote-vat"><xsl:value-of select="i18n:money(number(vat_cents))"/></td>
          </tr>
          <tr class="gross">
            <th scope="row" colspan="2"><xsl:value-of select="i18n:t('quote.gross')"/></th>
            <td class="num" id="quote-gross"><xsl:value-of select="i18n:money(number(gross_cents))"/></td>
          </tr>
        </tfoot>
      </table>
      <form method="post" action="{$base}/acme/new" id="subscribe-form" class="subscribe">
        <xsl:call-template name="csrf"/>
        <input type="hidden" name="form_token" value="{$form-token}"/>
        <input type="hidden" name="type" value="{/page/form/type}"/>
        <input type="hidden" name="organization_id" value="{/page/form/organization_id}"/>
        <input type="hidden" name="name" value="{/page/form/name}"/>
        <input type="hidden" name="domains" value="{/page/form/domains}"/>
        <p class="hint">
          <xsl:choose>
            <xsl:when test="/page/account/type = 'deposit'"><xsl:value-of select="i18n:t('quote.note.deposit')"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="i18n:t('quote.note.monthly')"/></xsl:otherwise>
          </xsl:choose>
        </p>
        <button type="submit" class="primary" name="action" value="subscribe" id="subscribe">
          <xsl:value-of select="i18n:t('quote.subscribe')"/>
        </button>
      </form>
    </section>
  </xsl:template>

  <!-- vat_bp in percent: 2000 → 20, 550 → 5.5 (5,5 in French). -->
  <xsl:template name="vat-rate">
    <xsl:variable name="r" select="format-number(number(vat_bp) div 100, '0.##')"/>
    <xsl:choose>
      <xsl:when test="/page/@lang = 'fr'"><xsl:value-of select="translate($r, '.', ',')"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$r"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Creation form -->

  <xsl:template match="types" mode="form">
    <form method="post" action="{$base}/acme/new" id="create-form" class="stack">
      <xsl:call-template name="csrf"/>
      <input type="hidden" name="form_token" value="{$form-token}"/>
      <fieldset>
        <xsl:if test="$error-field = 'type'">
          <xsl:attribute name="aria-invalid">true</xsl:attribute>
          <xsl:attribute name="aria-describedby">form-error-message</xsl:attribute>
        </xsl:if>
        <legend><xsl:value-of select="i18n:t('form.type')"/></legend>
        <xsl:for-each select="type">
          <label class="inline" for="type-{level}">
            <input type="radio" name="type" id="type-{level}" value="{level}" required="required">
              <xsl:if test="level = $chosen-type">
                <xsl:attribute name="checked">checked</xsl:attribute>
              </xsl:if>
            </input>
            <xsl:value-of select="i18n:t(concat('level.', level))"/>
          </label>
        </xsl:for-each>
        <xsl:for-each select="type[needs_organization = 'true' and not(organizations/organization)]">
          <p class="note warn" id="no-prevalidation-{level}">
            <strong><xsl:value-of select="level"/></strong>
            <xsl:text> — </xsl:text>
            <xsl:value-of select="i18n:t('form.org.missing')"/>
            <xsl:text> </xsl:text>
            <a href="{$base}/prevalidations"><xsl:value-of select="i18n:t('form.org.missing.link')"/></a>
          </p>
        </xsl:for-each>
      </fieldset>

      <label for="organization_id">
        <xsl:value-of select="i18n:t('form.org')"/>
        <select name="organization_id" id="organization_id">
          <xsl:call-template name="invalid-if">
            <xsl:with-param name="field" select="'organization_id'"/>
            <xsl:with-param name="hint" select="'organization-hint'"/>
          </xsl:call-template>
          <option value=""><xsl:value-of select="i18n:t('form.org.none')"/></option>
          <xsl:for-each select="type[organizations/organization]">
            <optgroup label="{level}">
              <xsl:for-each select="organizations/organization">
                <!-- The level travels with the id only through the radio:
                     the same organization may appear under OV and QWAC. -->
                <option value="{id}">
                  <xsl:if test="string(id) = string(/page/form/organization_id) and
                      ../../level = $chosen-type">
                    <xsl:attribute name="selected">selected</xsl:attribute>
                  </xsl:if>
                  <xsl:value-of select="name"/>
                </option>
              </xsl:for-each>
            </optgroup>
          </xsl:for-each>
        </select>
        <span class="hint" id="organization-hint"><xsl:value-of select="i18n:t('form.org.hint')"/></span>
      </label>

      <label for="name">
        <xsl:value-of select="i18n:t('form.name')"/>
        <input type="text" name="name" id="name" maxlength="100" required="required"
            value="{/page/form/name}">
          <xsl:call-template name="invalid-if">
            <xsl:with-param name="field" select="'name'"/>
            <xsl:with-param name="hint" select="'name-hint'"/>
          </xsl:call-template>
        </input>
        <span class="hint" id="name-hint"><xsl:value-of select="i18n:t('form.name.hint')"/></span>
      </label>

      <label for="domains">
        <xsl:value-of select="i18n:t('form.domains')"/>
        <textarea name="domains" id="domains" rows="6" required="required"
            spellcheck="false" autocapitalize="none"
            placeholder="{i18n:t('form.domains.placeholder')}">
          <xsl:call-template name="invalid-if">
            <xsl:with-param name="field" select="'domains'"/>
            <xsl:with-param name="hint" select="'domains-hint'"/>
          </xsl:call-template>
          <xsl:value-of select="/page/form/domains"/>
        </textarea>
        <span class="hint" id="domains-hint"><xsl:value-of select="i18n:t('form.domains.hint')"/></span>
      </label>

      <p class="hint" id="preview-note"><xsl:value-of select="i18n:t('form.preview.note')"/></p>
      <button type="submit" class="primary" name="action" value="preview" id="preview">
        <xsl:value-of select="i18n:t('form.preview')"/>
      </button>
    </form>
  </xsl:template>

</xsl:stylesheet>
