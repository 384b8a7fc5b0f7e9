<?xml version="1.0" encoding="UTF-8"?>
<!--
  Webhooks of the account and the user's missed-renewal digest setting (issue 17).
  Model: <webhooks><webhook><id/><url/><events><event/>…</events><created_at/>
  <secret_rotated_at/><deliveries><delivery><id/><event/><status/><attempts/>
  <http_status/><error/><created_at/><last_attempt_at/><delivered_at/></delivery>…
  </deliveries></webhook>…</webhooks>, <event_names><event/>…</event_names>,
  <watch_digest/> (the user's setting), and after a form one of <created><id/><secret/>,
  <rotated><id/><secret/>, <tested><id/><delivery_id/>, <form_error><message/><field/>.
  The secret is in the model only in the answer that made it.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i18n="urn:caas:i18n"
    exclude-result-prefixes="i18n">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="page" mode="title">
    <xsl:value-of select="i18n:t('webhooks.title')"/>
  </xsl:template>

  <xsl:template match="page" mode="content">
    <h1><xsl:value-of select="i18n:t('webhooks.title')"/></h1>
    <p><xsl:value-of select="i18n:t('webhooks.intro')"/></p>
    <xsl:apply-templates select="created | rotated" mode="secret"/>
    <xsl:if test="tested">
      <p class="notice" id="webhook-tested" role="status">
        <xsl:value-of select="substring-before(i18n:t('webhooks.test.queued'), '{id}')"/>
        <code><xsl:value-of select="tested/delivery_id"/></code>
        <xsl:value-of select="substring-after(i18n:t('webhooks.test.queued'), '{id}')"/>
      </p>
    </xsl:if>
    <xsl:call-template name="endpoints"/>
    <xsl:call-template name="create-form"/>
    <xsl:call-template name="digest"/>
  </xsl:template>

  <xsl:template match="created | rotated" mode="secret">
    <section class="secret" id="webhook-secret" aria-labelledby="webhook-secret-title">
      <h2 id="webhook-secret-title"><xsl:value-of select="i18n:t('webhooks.secret')"/></h2>
      <p><xsl:value-of select="i18n:t('webhooks.secret.once')"/></p>
      <pre id="webhook-secret-value"><xsl:value-of select="secret"/></pre>
    </section>
  </xsl:template>

  <xsl:template name="endpoints">
    <xsl:choose>
      <xsl:when test="not(webhooks/webhook)">
        <p class="empty" id="webhooks-empty"><xsl:value-of select="i18n:t('webhooks.none')"/></p>
      </xsl:when>
      <xsl:otherwise>
        <xsl:for-each select="webhooks/webhook">
          <section class="webhook" id="webhook-{id}">
            <h2><xsl:value-of select="url"/></h2>
            <p>
              <xsl:value-of select="i18n:t('webhooks.events')"/>
              <xsl:text>: </xsl:text>
              <xsl:for-each select="events/event">
                <code><xsl:value-of select="."/></code>
                <xsl:if test="position() != last()"><xsl:text>, </xsl:text></xsl:if>
              </xsl:for-each>
            </p>
            <div class="inline-forms">
              <form method="post" action="{$base}/webhooks/{id}/test" class="inline-form">
                <xsl:call-template name="csrf"/>
                <button type="submit"><xsl:value-of select="i18n:t('webhooks.test')"/></button>
              </form>
              <form method="post" action="{$base}/webhooks/{id}/rotate" class="inline-form">
                <xsl:call-template name="csrf"/>
                <button type="submit"><xsl:value-of select="i18n:t('webhooks.rotate')"/></button>
              </form>
              <form method="post" action="{$base}/webhooks/{id}/delete" class="inline-form">
                <xsl:call-template name="csrf"/>
                <button type="submit"><xsl:value-of select="i18n:t('webhooks.delete')"/></button>
              </form>
            </div>
            <xsl:if test="deliveries/delivery">
              <table class="data">
                <caption><xsl:value-of select="i18n:t('webhooks.deliveries')"/></caption>
                <thead>
                  <tr>
                    <th scope="col"><xsl:value-of select="i18n:t('webhooks.delivery')"/></th>
                    <th scope="col"><xsl:value-of select="i18n:t('webhooks.event')"/></th>
                    <th scope="col"><xsl:value-of select="i18n:t('webhooks.status')"/></th>
                    <th scope="col"><xsl:value-of select="i18n:t('webhooks.http_status')"/></th>
                    <th scope="col"><xsl:value-of select="i18n:t('webhooks.attempts')"/></th>
                    <th scope="col"><xsl:value-of select="i18n:t('webhooks.created_at')"/></th>
                  </tr>
                </thead>
                <tbody>
                  <xsl:for-each select="deliveries/delivery">
                    <tr>
                      <td class="serial"><xsl:value-of select="id"/></td>
                      <td><xsl:value-of select="event"/></td>
                      <td><span class="badge badge-{status}"><xsl:value-of select="status"/></span>
                        <xsl:if test="string(error) != ''"><xsl:text> </xsl:text><xsl:value-of select="error"/></xsl:if></td>
                      <td class="num"><xsl:value-of select="http_status"/></td>
                      <td class="num"><xsl:value-of select="attempts"/></td>
                      <td><xsl:value-of select="i18n:date(string(created_at))"/></td>
                    </tr>
                  </xsl:for-each>
                </tbody>
              </table>
            </xsl:if>
          </section>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="create-form">
    <form method="post" action="{$base}/webhooks" id="webhook-create-form">
      <xsl:call-template name="csrf"/>
      <xsl:if test="form_error">
        <p class="field-error" id="webhook-error" role="alert"><xsl:value-of select="form_error/message"/></p>
      </xsl:if>
      <label for="webhook-url"><xsl:value-of select="i18n:t('webhooks.url')"/></label>
      <input type="url" name="url" id="webhook-url" maxlength="500" required="required"
          spellcheck="false" autocapitalize="none"/>
      <fieldset>
        <legend><xsl:value-of select="i18n:t('webhooks.events')"/></legend>
        <xsl:for-each select="event_names/event">
          <label><input type="checkbox" name="events" value="{.}"/><xsl:text> </xsl:text><code><xsl:value-of select="."/></code></label>
        </xsl:for-each>
      </fieldset>
      <button type="submit"><xsl:value-of select="i18n:t('webhooks.create')"/></button>
    </form>
  </xsl:template>

  <xsl:template name="digest">
    <xsl:if test="watch_digest">
      <section aria-labelledby="digest-title" id="digest-setting">
        <h2 id="digest-title"><xsl:value-of select="i18n:t('watch.digest.title')"/></h2>
        <form method="post" action="{$base}/settings/watch-digest" class="inline-form">
          <xsl:call-template name="csrf"/>
          <label>
            <input type="checkbox" name="digest" value="on" id="watch-digest">
              <xsl:if test="watch_digest = 'true'"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
            </input>
            <xsl:text> </xsl:text>
            <xsl:value-of select="i18n:t('watch.digest.on')"/>
          </label>
          <button type="submit"><xsl:value-of select="i18n:t('watch.digest.save')"/></button>
        </form>
      </section>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
