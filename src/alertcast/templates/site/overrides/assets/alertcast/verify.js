/* The Verify page: is this contact ours? The same steps as src/alertcast/contacts.py (kept line
   for line in step with it, and tested with the same table), run in the reader's browser on
   official.json, indicators.json and confusables.json, which are fetched once when the page
   opens. What the reader types is never sent anywhere. No dependencies. */
(function () {
  "use strict";

  var HANDLE_KINDS = ["telegram", "x", "wechat", "weibo", "discord"];
  var URL_KINDS = ["download", "ticket"];
  var HANDLE_HOSTS = {"t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram", "x.com": "x",
    "twitter.com": "x", "mobile.twitter.com": "x", "www.x.com": "x", "www.twitter.com": "x",
    "weibo.com": "weibo", "www.weibo.com": "weibo", "discord.gg": "discord"};
  var INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/g;
  var NAME = /^[^@\s\/]+$/, LOCAL = /^[^@\s\/:]+$/;
  var TRAILING = ".,;:!?\u3002\uff0c\uff1b\uff1a\uff01\uff1f\u3001/";
  var table = {};

  function nfkc(text) { return text.normalize("NFKC"); }
  function map(text) { return Array.from(text).map(function (c) { return table[c] || c; }).join(""); }

  function skeleton(text) {
    return map(map(nfkc(text)).toLowerCase()).split("rn").join("m");
  }

  function confusableChars(text) {
    return Array.from(nfkc(text)).filter(function (c) {
      return (table[c] || c.toLowerCase()) !== c.toLowerCase();
    });
  }

  function rstrip(text, chars) {
    var end = text.length;
    while (end > 0 && chars.indexOf(text[end - 1]) >= 0) end--;
    return text.slice(0, end);
  }

  function normaliseDomain(text) {
    var host = rstrip(nfkc(text).trim(), ".").toLowerCase();
    if (!host || /[\/:@ ]/.test(host) || host.indexOf(".") < 0) return null;
    if (host.length > 253) return null;  /* longer than a domain name can be (RFC 1035) */
    try { return new URL("http://" + host + "/").hostname; } catch (e) { return null; }
  }

  /* RFC 3492 decoding of one punycode label (after "xn--"). */
  function punyDecode(input) {
    var base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, n = 128, i = 0, bias = 72, output = [];
    var basic = input.lastIndexOf("-");
    for (var j = 0; j < Math.max(basic, 0); j++) output.push(input.charCodeAt(j));
    function adapt(delta, points, first) {
      delta = first ? Math.floor(delta / damp) : delta >> 1;
      delta += Math.floor(delta / points);
      var k = 0;
      for (; delta > ((base - tMin) * tMax) >> 1; k += base) delta = Math.floor(delta / (base - tMin));
      return k + Math.floor((base - tMin + 1) * delta / (delta + skew));
    }
    for (var index = basic > 0 ? basic + 1 : 0; index < input.length;) {
      var oldi = i, w = 1;
      for (var k = base; ; k += base) {
        if (index >= input.length) throw new Error("bad punycode");
        var c = input.charCodeAt(index++);
        var digit = c - 48 < 10 ? c - 22 : c - 65 < 26 ? c - 65 : c - 97 < 26 ? c - 97 : base;
        if (digit >= base) throw new Error("bad punycode");
        i += digit * w;
        var t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
        if (digit < t) break;
        w *= base - t;
      }
      bias = adapt(i - oldi, output.length + 1, oldi === 0);
      n += Math.floor(i / (output.length + 1));
      i %= output.length + 1;
      output.splice(i++, 0, n);
    }
    return String.fromCodePoint.apply(null, output);
  }

  function unicodeDomain(host) {
    return host.split(".").map(function (label) {
      if (label.indexOf("xn--") !== 0) return label;
      try { return punyDecode(label.slice(4)); } catch (e) { return label; }
    }).join(".");
  }

  function normaliseHandle(kind, text) {
    text = nfkc(text).trim();
    if (kind === "telegram" || kind === "x") return "@" + text.replace(/^@+/, "").toLowerCase();
    if (kind === "mastodon") {
      var parts = text.replace(/^@+/, "").split("@");
      var host = normaliseDomain(parts.slice(1).join("@"));
      return host ? "@" + parts[0].toLowerCase() + "@" + host : null;
    }
    return text.toLowerCase();
  }

  function parse(text) {
    var t = nfkc(text).replace(INVISIBLE, "").trim();
    t = t.replace(/^["'<>()\[\]`]+|["'<>()\[\]`]+$/g, "");
    t = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? rstrip(t, ".,;:!?") : rstrip(t, TRAILING);
    var low = t.toLowerCase();
    if (low.indexOf("mailto:") === 0) { t = t.slice(7); low = low.slice(7); }
    if (low.indexOf("tel:") === 0) t = t.slice(4);
    var digits = t.replace(/\D/g, "");
    if (/^\+?[\d\s().-]{6,}$/.test(t) && digits.length >= 6 && digits.length <= 15) {
      return {kind: "phone", value: "+" + digits};
    }
    if (/^0x[0-9a-fA-F]{40}$/.test(t)) return {kind: "address", value: t.toLowerCase()};
    if (/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(t)) return {kind: "address", value: t};
    if (t[0] === "@" && atHost(t.slice(1), NAME)) {
      var handle = normaliseHandle("mastodon", t);
      return handle ? {kind: "handle", platform: "mastodon", value: handle} : {kind: "text", value: t};
    }
    if (atHost(t, LOCAL)) {
      var at = t.indexOf("@"), host = normaliseDomain(t.slice(at + 1));
      return host ? {kind: "email", value: t.slice(0, at).toLowerCase() + "@" + host} : {kind: "text", value: t};
    }
    if (t[0] !== "@" && t.indexOf(" ") < 0 && (t.split("/")[0].indexOf(".") >= 0 || t.indexOf("://") >= 0)) {
      return link(t);
    }
    if (/^@?[\p{L}\p{N}_.-]{2,64}$/u.test(t)) return {kind: "handle", platform: null, value: t.replace(/^@/, "")};
    return {kind: "text", value: t};
  }

  /* Whether text is `before@host`, the host with a dot inside, tested part by part: the one
     regex it was backtracked, so a long paste with no end hung the page. */
  function atHost(text, before) {
    var at = text.indexOf("@");
    if (at < 0) return false;
    var host = text.slice(at + 1);
    return before.test(text.slice(0, at)) && NAME.test(host) && host.slice(1, -1).indexOf(".") >= 0;
  }

  function link(t) {
    var rest = t.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
    var split = /^([^\/?#]*)([\s\S]*)$/.exec(rest);
    var host = split[1].split("@").pop().split(":")[0], path = split[2];
    var ascii = normaliseDomain(host);
    if (!ascii) return {kind: "text", value: t};
    var platform = HANDLE_HOSTS[ascii];
    var name = path.replace(/^\/+/, "").split("/")[0].split("?")[0].split("#")[0];
    if (platform && name) return {kind: "handle", platform: platform, value: name.replace(/^@+/, "")};
    var kind = path.replace(/^\/+|\/+$/g, "") ? "url" : "domain";
    return {kind: kind, value: ascii + (kind === "url" ? path : ""), host: ascii, shown: rstrip(host, ".")};
  }

  function under(host, domain) {
    return host === domain || host.slice(-domain.length - 1) === "." + domain;
  }

  function bare(text) { return text.replace(/[-_.]/g, ""); }
  function strip(value) { return value.replace(/^@+/, ""); }
  function has(list, item) { return list.indexOf(item) >= 0; }

  function check(text, official, indicators) {
    var contact = parse(text);
    var result = Object.assign({input: text}, contact, {verdict: "unknown", channels: [], alerts: [], reasons: []});
    var channels = official.channels || [];
    var names = (official.names || []).map(skeleton);
    var kind = contact.kind, value = contact.value;
    var host = contact.host || (kind === "email" ? value.split("@")[1] : null);
    var found = officialOf(contact, host, channels);
    if (found.length) return Object.assign(result, {verdict: "official", channels: found});
    var alerts = scamOf(contact, host, indicators.indicators || []);
    if (alerts.length) return Object.assign(result, {verdict: "scam", alerts: alerts});
    var look = [[], []];
    if (kind === "handle" && contact.platform !== "mastodon") look = handleLookalike(value, contact.platform, channels, names);
    else if (host) look = domainLookalike(host, contact.shown || host, channels, names);
    if (look[1].length) return Object.assign(result, {verdict: "lookalike", channels: look[0], reasons: look[1]});
    return result;
  }

  function officialOf(contact, host, channels) {
    var kind = contact.kind, value = contact.value;
    if (kind === "handle") {
      var name = strip(value.toLowerCase());
      return channels.filter(function (c) {
        return has(HANDLE_KINDS.concat(["mastodon", "bluesky"]), c.kind) &&
          (contact.platform === null || contact.platform === c.kind) && strip(c.value) === name;
      });
    }
    if (kind === "phone" || kind === "email") {
      return channels.filter(function (c) { return c.kind === kind && c.value === value; });
    }
    if ((kind === "url" || kind === "domain") && host) {
      if (kind === "url") {
        var pages = channels.filter(function (c) {
          var prefix = c.value.split("://").slice(1).join("://").replace(/\/+$/, "") + "/";
          return has(URL_KINDS, c.kind) && (value + "/").indexOf(prefix) === 0;
        });
        if (pages.length) return pages;
      }
      var domains = channels.filter(function (c) { return c.kind === "domain" && under(host, c.value); });
      domains.sort(function (a, b) { return b.value.length - a.value.length; });
      return domains.slice(0, 1);
    }
    return [];
  }

  function scamOf(contact, host, indicators) {
    var kind = contact.kind, value = contact.value, ids = {};
    indicators.forEach(function (item) {
      var listed = item.value, hit = false;
      if (item.type === "domain" && host && under(host, listed)) hit = true;
      else if (item.type === "address" && kind === "address" && listed.split(":").slice(1).join(":") === value) hit = true;
      else if (item.type === "handle" && kind === "handle") {
        var at = listed.indexOf(":"), platform = listed.slice(0, at), name = listed.slice(at + 1);
        hit = (contact.platform === null || contact.platform === platform) && strip(name) === strip(value.toLowerCase());
      }
      if (hit) item.alerts.forEach(function (id) { ids[id] = true; });
    });
    return Object.keys(ids).sort();
  }

  function distance(a, b) {
    a = Array.from(a); b = Array.from(b);
    var rows = [[]];
    for (var j = 0; j <= b.length; j++) rows[0].push(j);
    for (var i = 1; i <= a.length; i++) {
      var row = [i], prev = rows[rows.length - 1];
      for (j = 1; j <= b.length; j++) {
        row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] !== b[j - 1] ? 1 : 0)));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          row[j] = Math.min(row[j], rows[rows.length - 2][j - 2] + 1);
        }
      }
      rows.push(row);
    }
    return rows[rows.length - 1][b.length];
  }

  function edit(a, b) {
    var x = Array.from(a), y = Array.from(b);
    if (a === b || Math.abs(x.length - y.length) > 1 || distance(a, b) !== 1) return null;
    if (x.length !== y.length) return x.length > y.length ? "extra_char" : "missing_char";
    var diff = x.filter(function (c, i) { return c !== y[i]; });
    return diff.length === 2 ? "swapped_chars" : "changed_char";
  }

  function handleLookalike(value, platform, channels, names) {
    var handles = channels.filter(function (c) {
      return has(HANDLE_KINDS, c.kind) && (platform === null || platform === c.kind);
    });
    var shown = strip(value), mine = skeleton(shown);
    var confusable = confusableChars(shown).length ? ["confusable"] : [];
    for (var i = 0; i < handles.length; i++) {
      var theirs = skeleton(strip(handles[i].value));
      if (mine === theirs) return [[handles[i]], ["confusable"]];
      var why = edit(mine, theirs);
      if (why) return [[handles[i]], confusable.concat([why])];
    }
    for (i = 0; i < handles.length; i++) {
      theirs = skeleton(strip(handles[i].value));
      if (bare(mine).indexOf(bare(theirs)) >= 0 || names.some(function (n) { return bare(mine).indexOf(n) >= 0; })) {
        return [[handles[i]], confusable.concat(["added_words"])];
      }
    }
    return [[], []];
  }

  function domainLookalike(host, shown, channels, names) {
    var domains = channels.filter(function (c) { return c.kind === "domain"; });
    var readable = host.indexOf("xn--") >= 0 ? unicodeDomain(host) : nfkc(shown).toLowerCase();
    var punycode = host.indexOf("xn--") >= 0 ? ["punycode"] : [];
    var confusable = confusableChars(readable).length ? ["confusable"] : [];
    var mine = skeleton(readable);
    for (var i = 0; i < domains.length; i++) {
      var theirs = skeleton(domains[i].value);
      if (mine === theirs || mine.slice(-theirs.length - 1) === "." + theirs) {
        return [[domains[i]], punycode.concat(confusable.length ? confusable : ["confusable"])];
      }
    }
    if (!domains.length) return [[], []];
    var labels = mine.split(".");
    for (var index = 0; index < labels.length - 1; index++) {
      for (var n = 0; n < names.length; n++) {
        var label = labels[index], name = names[n];
        var position = index === labels.length - 2 ? "tld" : "subdomain";
        var why = edit(label, name);
        var reason = label === name ? [position] : why ? [why] : bare(label).indexOf(name) >= 0 ? ["added_words"] : [];
        if (reason.length) {
          if (position === "subdomain" && reason[0] !== "subdomain") reason.push("subdomain");
          return [[registered(domains)], punycode.concat(confusable, reason)];
        }
      }
    }
    return [[], []];
  }

  function registered(domains) {
    return domains.slice().sort(function (a, b) {
      return a.value.length - b.value.length || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    })[0];
  }

  /* The page: answers as the reader types, in the page's language. */
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function codePoints(chars) {
    return chars.map(function (c) {
      return "\u201c" + c + "\u201d U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
    }).join(", ");
  }

  function show(out, result, data, official, named) {
    var w = data.words;
    out.textContent = "";
    out.setAttribute("data-verdict", result.verdict);
    out.setAttribute("data-kind", result.kind);
    out.setAttribute("data-reasons", result.reasons.join(" "));
    out.setAttribute("data-channels", result.channels.map(function (c) { return c.kind + ":" + c.value; }).join(" "));
    out.setAttribute("data-alerts", result.alerts.join(" "));
    out.className = "alertcast-verdict alertcast-verdict--" + result.verdict;
    out.appendChild(el("p", w[result.verdict], "alertcast-verdict__title"));
    var list = el("ul");
    result.channels.forEach(function (c) {
      var item = el("li");
      item.appendChild(el("strong", (w.kinds[c.kind] || c.kind) + ": "));
      item.appendChild(el("code", c.value));
      var forText = c["for"][data.lang] || "", never = c.never[data.lang] || "";
      if (forText) item.appendChild(el("span", " \u2014 " + forText));
      if (never) item.appendChild(el("span", " (" + never + ")"));
      list.appendChild(item);
    });
    result.alerts.forEach(function (id) {
      var alert = named[id] || {title: id, url: null};
      var item = el("li");
      if (alert.url) {
        var a = el("a", alert.title);
        a.href = alert.url;
        item.appendChild(a);
      } else {
        item.textContent = alert.title;
      }
      list.appendChild(item);
    });
    if (list.childNodes.length) out.appendChild(list);
    if (result.reasons.length) {
      var why = el("ul", "", "alertcast-verdict__why");
      result.reasons.forEach(function (reason) {
        var line = w.reasons[reason] || reason;
        if (reason === "confusable") {
          var chars = confusableChars(result.kind === "handle" ? result.value : unicodeDomain(result.host || result.value.split("@").pop()));
          if (chars.length) line += " " + codePoints(chars);
        }
        why.appendChild(el("li", line));
      });
      out.appendChild(why);
    }
    if (result.verdict !== "official") out.appendChild(el("p", w.advice, "alertcast-verdict__advice"));
    if (result.verdict === "lookalike" || result.verdict === "unknown") {
      var more = el("a", w.official_page);
      more.href = official.pages["official-channels"][data.lang];
      var p = el("p");
      p.appendChild(more);
      out.appendChild(p);
    }
  }

  function start() {
    var holder = document.getElementById("alertcast-verify-data");
    var form = document.getElementById("alertcast-verify-form");
    if (!holder || !form || form.hasAttribute("data-bound")) return;
    form.setAttribute("data-bound", "");
    var data = JSON.parse(holder.textContent);
    /* Right under the page's text: above "Was this page helpful?", which the theme adds last. */
    var box = document.getElementById("alertcast-verify"), feedback = document.querySelector("form.md-feedback");
    if (box && feedback) feedback.parentNode.insertBefore(box, feedback);
    var input = form.querySelector("input"), out = document.getElementById("alertcast-verify-result");
    function get(url) {
      return fetch(url, {credentials: "omit"}).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
    }
    /* The alerts a verdict names come from their own file (verify-alerts.json), so this page's
       HTML stays the same whichever alerts are live. */
    Promise.all([get(data.official), get(data.indicators), get(data.confusables), get(data.alerts)]).then(function (docs) {
      table = docs[2];
      var run = function () {
        if (!input.value.trim()) {
          out.textContent = "";
          out.removeAttribute("data-verdict");
          return;
        }
        show(out, check(input.value, docs[0], docs[1]), data, docs[0], docs[3]);
      };
      input.addEventListener("input", run);
      form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
      form.setAttribute("data-ready", "true");
      if (input.value) run();
    }).catch(function () {
      out.textContent = data.words.unavailable;
      form.setAttribute("data-ready", "error");
    });
  }

  window.alertcastVerify = {check: check, parse: parse, skeleton: skeleton};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  /* Material's instant navigation swaps the page without loading scripts again. */
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(start);
})();
