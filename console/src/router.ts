/**
 * The console's pages are hash routes, so the master serves one page and the gate in front of it
 * sees one path: `#/` the Fleet page, `#/project/<name>` one project, `#/new` the New-project form.
 * Anything else is the Fleet page. `parseRoute` and `routeHref` are pure; `onRoute` wires them to
 * the address bar.
 */

/** A page of the console and what it shows. */
export type Route =
  { readonly page: 'fleet' } | { readonly page: 'project'; readonly name: string } | { readonly page: 'new' };

/** A project name as `projects/<name>.yaml` allows it (DNS label); anything else is not a route. */
const PROJECT_NAME = /^[a-z][a-z0-9-]{1,62}$/;

/** The route a location hash (`#/project/acme`, with or without the `#`) names. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  const project = /^\/project\/([^/?&#]+)$/.exec(path);
  if (project) {
    let name: string;
    try {
      name = decodeURIComponent(project[1]!);
    } catch {
      return { page: 'fleet' };
    }
    if (PROJECT_NAME.test(name)) return { page: 'project', name };
  }
  if (path === '/new') return { page: 'new' };
  return { page: 'fleet' };
}

/** The link (a fragment) to a route. */
export function routeHref(route: Route): string {
  switch (route.page) {
    case 'project':
      return `#/project/${encodeURIComponent(route.name)}`;
    case 'new':
      return '#/new';
    case 'fleet':
      return '#/';
  }
}

/** Calls `listener` with the current route at once and again whenever the fragment changes. */
export function onRoute(listener: (route: Route) => void): void {
  window.addEventListener('hashchange', () => listener(parseRoute(location.hash)));
  listener(parseRoute(location.hash));
}
