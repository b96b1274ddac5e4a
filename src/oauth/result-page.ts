// The page an OAuth flow ends on when it does not end back in the UI: consent denied, a state
// that does not match, a vendor that refused the code. Plain HTML with no script, readable
// without the UI's bundle, and every value escaped.
export interface ResultPage {
  title: string;
  /** What happened, in a sentence. */
  message: string;
  /** What the vendor said, when it said something. */
  detail?: string | undefined;
  /** Where to go from here. */
  back: { href: string; label: string };
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);

export function renderResultPage(page: ResultPage): string {
  const detail = page.detail ? `<p class="detail">${escapeHtml(page.detail)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Interhubz</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }
  main { max-width: 36rem; margin: 10vh auto; background: #fff; border: 1px solid #d9e2ec; border-radius: 8px; padding: 2rem; }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; }
  .detail { background: #fff5f5; border-left: 4px solid #cf1124; padding: .5rem .75rem; font-family: ui-monospace, monospace; font-size: .9rem; }
  a.button { display: inline-block; margin-top: 1rem; background: #2f6fdf; color: #fff; padding: .5rem 1rem; border-radius: 6px; text-decoration: none; }
</style>
</head>
<body>
<main role="main">
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
${detail}
<a class="button" href="${escapeHtml(page.back.href)}">${escapeHtml(page.back.label)}</a>
</main>
</body>
</html>
`;
}
