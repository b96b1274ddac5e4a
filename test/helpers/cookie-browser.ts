// A browser's view of the daemon for OAuth flows played with fetch: keeps cookies in a jar,
// follows nothing by itself, says what came back; and the consent form's fields as a browser submits them.
export type CookieJar = Map<string, string>;

export interface BrowserAnswer {
  status: number;
  location: string | null;
  text: string;
}

export function cookieBrowser(jar: CookieJar) {
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return async (url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<BrowserAnswer> => {
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...rest] = (pair ?? '').split('=');
      if (!name) continue;
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name.trim());
      else jar.set(name.trim(), rest.join('='));
    }
    return { status: response.status, location: response.headers.get('location'), text: await response.text() };
  };
}

/** The hidden and checked fields of a simulator's consent form, as a browser would submit them. */
export function consentFormFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const unescape = (v: string) => v.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'");
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1] as string] = unescape(match[2] as string);
  for (const match of html.matchAll(/<input type="radio" name="([^"]+)" value="([^"]*)" checked>/g)) fields[match[1] as string] = unescape(match[2] as string);
  return fields;
}
