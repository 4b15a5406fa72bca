// Tells the server the browser's time zone (IANA name) in a cookie, so a user who has not
// chosen a zone sees times in their own. No inline script: CSP-safe.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) { return; }
  var current = document.cookie.split("; ").filter(function (c) { return c.indexOf("vd_tz=") === 0; })[0];
  if (current === "vd_tz=" + zone) { return; }
  document.cookie = "vd_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
})();
