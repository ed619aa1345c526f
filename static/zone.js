// The browser's time zone, told to the server in the berth_tz cookie (dashboard/zones.py): pages
// show times in it unless the user chose a zone of their own (/preferences/). A cookie rather
// than a request header, so that a plain link, a form and a websocket all carry it. Loaded
// without defer from <head>, as a file (the CSP allows no inline script): the login page sets
// it, so the first page after logging in is already in the browser's zone.
(() => {
  "use strict";
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return; // no Intl: the server's zone, which every time names
  }
  // IANA names ("Asia/Seoul", "America/Argentina/Buenos_Aires", "Etc/GMT+9") need no quoting
  if (!/^[A-Za-z][A-Za-z0-9/_+-]{0,63}$/.test(zone)) return;
  const pair = `berth_tz=${zone}`;
  if (document.cookie.split("; ").includes(pair)) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${pair}; path=/; max-age=31536000; SameSite=Lax${secure}`;
})();
