<?xml version="1.0" encoding="UTF-8"?>
<!--
  The ready-to-paste ACME client commands (issue #16 item 9), shared by the
  credentials page (acme_created.xsl, with the HMAC key) and the details page
  (acme_show.xsl, with a placeholder for it): certbot, lego and acme.sh for the
  subscription's own first domain (http-01 with the client's own server for a
  name, dns-01 by hand for a wildcard, which http-01 cannot prove), then the
  renewal cron lines (lego wants the EAB flags at every run, renewals included,
  since the directory requires External Account Binding). Every value comes from the page model: server and key id
  are base64url and URLs, the domain is A-labels, the contact an address of
  [A-Za-z0-9@._+-] (fcgi/center/web/subs_pages.c), so nothing needs shell quoting
  but a wildcard's "*", which is quoted. Each block has a copy button
  (static/center.js; without script, the text is still selectable).
  tests/interop/80-pasted-commands.sh runs each of them against the bundled CA.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:template name="acme-commands">
    <xsl:param name="server"/>
    <xsl:param name="kid"/>
    <xsl:param name="hmac"/>
    <xsl:param name="domain"/>
    <xsl:param name="login-contact"/>
    <xsl:variable name="wild" select="starts-with($domain, '*.')"/>
    <!-- The user's address when the login is one, else admin@ the domain. -->
    <xsl:variable name="contact">
      <xsl:choose>
        <xsl:when test="string($login-contact) != ''"><xsl:value-of select="$login-contact"/></xsl:when>
        <xsl:when test="$wild"><xsl:value-of select="concat('admin@', substring($domain, 3))"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="concat('admin@', $domain)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="d">
      <xsl:choose>
        <xsl:when test="$wild"><xsl:value-of select="concat('&quot;', $domain, '&quot;')"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$domain"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="certbot-challenge">
      <xsl:choose>
        <xsl:when test="$wild">--manual --preferred-challenges dns</xsl:when>
        <xsl:otherwise>--standalone --non-interactive</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="lego-challenge">
      <xsl:choose>
        <xsl:when test="$wild">--dns manual</xsl:when>
        <xsl:otherwise>--http</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="acmesh-challenge">
      <xsl:choose>
        <xsl:when test="$wild">--dns --yes-I-know-dns-manual-mode-enough-go-ahead-please</xsl:when>
        <xsl:otherwise>--standalone</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <div class="commands" id="acme-commands">
      <p class="hint" id="commands-note">
        <xsl:value-of select="i18n:t('commands.note')"/>
        <xsl:text> </xsl:text>
        <code><xsl:value-of select="$domain"/></code>
      </p>
      <xsl:call-template name="command-block">
        <xsl:with-param name="id" select="'example-certbot'"/>
        <xsl:with-param name="title" select="i18n:t('example.certbot')"/>
        <xsl:with-param name="text" select="concat('certbot certonly ', $certbot-challenge,
            ' --agree-tos -m ', $contact, ' --server ', $server,
            ' --eab-kid ', $kid, ' --eab-hmac-key ', $hmac, ' -d ', $d)"/>
      </xsl:call-template>
      <xsl:call-template name="command-block">
        <xsl:with-param name="id" select="'example-lego'"/>
        <xsl:with-param name="title" select="i18n:t('example.lego')"/>
        <xsl:with-param name="text" select="concat('lego --accept-tos --email ', $contact,
            ' --server ', $server, ' --eab --kid ', $kid, ' --hmac ', $hmac,
            ' --domains ', $d, ' ', $lego-challenge, ' run')"/>
      </xsl:call-template>
      <xsl:call-template name="command-block">
        <xsl:with-param name="id" select="'example-acmesh'"/>
        <xsl:with-param name="title" select="i18n:t('example.acmesh')"/>
        <xsl:with-param name="text" select="concat('acme.sh --register-account --server ', $server,
            ' --eab-kid ', $kid, ' --eab-hmac-key ', $hmac, ' -m ', $contact,
            ' &amp;&amp; acme.sh --issue --server ', $server, ' ', $acmesh-challenge, ' -d ', $d)"/>
      </xsl:call-template>
      <xsl:call-template name="command-block">
        <xsl:with-param name="id" select="'example-cron'"/>
        <xsl:with-param name="title" select="i18n:t('example.cron')"/>
        <xsl:with-param name="text" select="concat(
            '# certbot&#10;17 3 * * * certbot renew --quiet&#10;',
            '# lego&#10;17 3 * * * lego --accept-tos --email ', $contact, ' --server ', $server,
            ' --eab --kid ', $kid, ' --hmac ', $hmac,
            ' --domains ', $d, ' ', $lego-challenge, ' renew --days 30&#10;',
            '# acme.sh&#10;17 3 * * * &quot;$HOME&quot;/.acme.sh/acme.sh --cron --home &quot;$HOME&quot;/.acme.sh')"/>
      </xsl:call-template>
    </div>
  </xsl:template>

  <xsl:template name="command-block">
    <xsl:param name="id"/>
    <xsl:param name="title"/>
    <xsl:param name="text"/>
    <div class="command-block">
      <h3 id="{$id}-title"><xsl:value-of select="$title"/></h3>
      <pre class="command" id="{$id}" aria-labelledby="{$id}-title"><code><xsl:value-of select="$text"/></code></pre>
      <button type="button" class="copy" data-copy="{$id}" data-copied="{i18n:t('commands.copied')}"
          aria-describedby="{$id}-title">
        <xsl:value-of select="i18n:t('commands.copy')"/>
      </button>
    </div>
  </xsl:template>

</xsl:stylesheet>
