/*
 * Copy buttons of the ACME client commands (views/acme_commands.xsl):
 * a button.copy copies the text of the element its data-copy names and
 * says so (data-copied) for two seconds. Without script the commands stay
 * plain selectable text; nothing else on the pages depends on this file.
 */
"use strict";

function copyFallback(text) {
	var area = document.createElement("textarea");
	var ok = false;

	area.value = text;
	area.setAttribute("readonly", "");
	area.style.position = "absolute";
	area.style.left = "-9999px";
	document.body.appendChild(area);
	area.select();
	try {
		ok = document.execCommand("copy");
	} catch (e) {
		ok = false;
	}
	document.body.removeChild(area);
	return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.addEventListener("click", function (ev) {
	var button = ev.target.closest ? ev.target.closest("button.copy") : null;
	var source, text, label;

	if (button === null)
		return;
	source = document.getElementById(button.getAttribute("data-copy"));
	if (source === null)
		return;
	text = source.textContent;
	label = button.textContent;
	(navigator.clipboard && window.isSecureContext ?
	    navigator.clipboard.writeText(text) : copyFallback(text)).then(function () {
		button.textContent = button.getAttribute("data-copied") || label;
		button.setAttribute("data-state", "copied");
		setTimeout(function () {
			button.textContent = label;
			button.removeAttribute("data-state");
		}, 2000);
	}, function () {
		/* Leave the text selected so that Ctrl+C works. */
		var range = document.createRange();
		range.selectNodeContents(source);
		window.getSelection().removeAllRanges();
		window.getSelection().addRange(range);
	});
});
