import { html } from 'ghtml';

/** What every page needs to draw the shell: who is signed in, and the form token. */
export interface PageContext {
  user?: { displayName: string; email: string; role: string } | undefined;
  organisation?: { name: string; kind: string } | undefined;
  csrfToken: string;
  /** Console sections this person may open, for the navigation. */
  nav?: readonly { href: string; label: string }[];
  currentPath?: string | undefined;
}

/** extraHead: trusted markup built with html`` (stylesheets, alternate links), placed in <head>. */
export function page(ctx: PageContext, title: string, body: string, extraHead = ''): string {
  const signedIn = ctx.user !== undefined;
  const nav = ctx.nav ?? [];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Connectable</title>
<link rel="stylesheet" href="/assets/app.css">!${extraHead}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${signedIn ? '/console' : '/'}">Connectable</a>
  !${
    signedIn
      ? html`<nav aria-label="Console"><ul>!${nav
          .map((n) => html`<li><a href="${n.href}"!${ctx.currentPath === n.href ? ' aria-current="page"' : ''}>${n.label}</a></li>`)
          .join('')}</ul></nav>
  <div class="who"><span>${ctx.user?.displayName ?? ''}</span> <span class="org">${ctx.organisation?.name ?? ''}</span>
    <form method="post" action="/sign-out"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><button type="submit" class="link">Sign out</button></form></div>`
      : html`<nav aria-label="Public"><ul><li><a href="/sign-in">Sign in</a></li></ul></nav>`
  }
</header>
<main id="main">
!${body}
</main>
<footer><p>Connectable — consumer connectable product security, in the open.</p></footer>
</body>
</html>`;
}
