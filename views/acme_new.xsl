<?xml version="1.0" encoding="UTF-8"?>
<!--
  New ACME subscription: the account's price list and the creation form.
  Model: <account/>, <types><type><level/><needs_organization/>
  <products><product><code/><wildcard/><name/><list_price_cents/><price_cents/>
  </product>…</products><organizations><organization><id/><name/>
  </organization>…</organizations></type>…</types>.
  Optional <form><type/><organization_id/><name/><domains/></form> refills
  the fields after a refused submission.
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

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('acme.new.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('acme.new.title')"/></h1>
    <p class="lead"><xsl:value-of select="i18n:t('acme.new.intro')"/></p>
    <xsl:apply-templates select="account" mode="summary"/>
    <div class="columns">
      <section class="col-form" aria-labelledby="form-title">
        <h2 id="form-title"><xsl:value-of select="i18n:t('acme.new.form')"/></h2>
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

  <!-- Creation form -->

  <xsl:template match="types" mode="form">
    <form method="post" action="/acme/new" id="create-form" class="stack">
      <xsl:call-template name="csrf"/>
      <fieldset>
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
            <a href="/prevalidations"><xsl:value-of select="i18n:t('form.org.missing.link')"/></a>
          </p>
        </xsl:for-each>
      </fieldset>

      <label for="organization_id">
        <xsl:value-of select="i18n:t('form.org')"/>
        <select name="organization_id" id="organization_id" aria-describedby="organization-hint">
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
            value="{/page/form/name}" aria-describedby="name-hint"/>
        <span class="hint" id="name-hint"><xsl:value-of select="i18n:t('form.name.hint')"/></span>
      </label>

      <label for="domains">
        <xsl:value-of select="i18n:t('form.domains')"/>
        <textarea name="domains" id="domains" rows="6" required="required"
            spellcheck="false" autocapitalize="none" aria-describedby="domains-hint"
            placeholder="{i18n:t('form.domains.placeholder')}">
          <xsl:value-of select="/page/form/domains"/>
        </textarea>
        <span class="hint" id="domains-hint"><xsl:value-of select="i18n:t('form.domains.hint')"/></span>
      </label>

      <p class="hint" id="preview-note"><xsl:value-of select="i18n:t('form.preview.note')"/></p>
      <button type="submit" class="primary" id="preview">
        <xsl:value-of select="i18n:t('form.preview')"/>
      </button>
    </form>
  </xsl:template>

</xsl:stylesheet>
