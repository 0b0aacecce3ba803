// What every page gives the app shell.
import type { Route } from '../routes.js';

export interface PageView {
  readonly el: HTMLElement;
  /** Handles a new route of the same page in place (the lineage keeps its canvas); false to rebuild. */
  readonly update?: (route: Route) => boolean;
  readonly mounted?: () => void;
  readonly destroy?: () => void;
  readonly render?: (route: Route) => void;
}
