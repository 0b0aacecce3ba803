// The dbt package hub's API, as dbt reads it: `api/v1/index.json` lists every package
// (`org/name`), `api/v1/<org>/<name>.json` holds its versions, each with the packages it depends
// on and `downloads.tarball`. DBT_PACKAGE_HUB_URL replaces the base URL (default
// https://hub.getdbt.com/). Answers are kept for the run: one request per URL.
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import { httpGetJson, HttpStatusError } from './http.js';

export const DEFAULT_HUB_URL = 'https://hub.getdbt.com/';

export function hubBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const u = env.DBT_PACKAGE_HUB_URL?.trim() || DEFAULT_HUB_URL;
  return u.endsWith('/') ? u : `${u}/`;
}

/** One version of a hub package, as far as deps needs it. */
export interface HubVersion {
  readonly version: string;
  /** Its own dependencies, as its packages.yml lists them (entries like packages.yml's). */
  readonly packages: readonly Record<string, unknown>[];
  readonly tarball: string;
  /** The dbt versions it declares it works with (`require_dbt_version`); empty: any. */
  readonly requireDbtVersion: readonly string[];
}

export interface HubPackage {
  readonly name: string;
  readonly versions: ReadonlyMap<string, HubVersion>;
  /** The package's new `org/name` when the hub says it moved (e.g. fishtown-analytics/ → dbt-labs/). */
  readonly movedTo: string | null;
}

const HINT = 'Check the network connection, or set DBT_PACKAGE_HUB_URL to a reachable hub (a mirror). Offline, vendor the package: copy it into dbt_packages/<name>/ or a folder named by KILN_PACKAGES_DIR.';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class HubClient {
  private index: Promise<ReadonlySet<string>> | null = null;
  private readonly packages = new Map<string, Promise<HubPackage>>();

  constructor(readonly baseUrl: string = hubBaseUrl()) {}

  private url(name: string): string {
    return `${this.baseUrl}api/v1/${name}.json`;
  }

  /** Every package the hub knows (dbt checks a name here before resolving it). */
  names(loc?: SourceLocation): Promise<ReadonlySet<string>> {
    this.index ??= httpGetJson(this.url('index'), { what: "the package hub's index", loc, hint: HINT }).then((v) => {
      if (!Array.isArray(v)) throw new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `${this.url('index')} is not a package hub's index (expected a list of package names)`, { loc, hint: 'Check DBT_PACKAGE_HUB_URL.' });
      return new Set(v.filter((x): x is string => typeof x === 'string'));
    });
    return this.index;
  }

  /** The package's versions; an unknown package is PACKAGE_NOT_FOUND. */
  package(name: string, loc?: SourceLocation): Promise<HubPackage> {
    let p = this.packages.get(name);
    if (!p) {
      p = this.fetchPackage(name, loc);
      this.packages.set(name, p);
    }
    return p;
  }

  private async fetchPackage(name: string, loc?: SourceLocation): Promise<HubPackage> {
    const url = this.url(name);
    let body: unknown;
    try {
      body = await httpGetJson(url, { what: `hub package ${name}`, loc, hint: HINT });
    } catch (e) {
      if (e instanceof HttpStatusError && e.status === 404) throw unknownPackage(name, this.baseUrl, loc);
      throw e;
    }
    if (!isRecord(body) || !isRecord(body.versions)) {
      throw new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `${url} is not a hub package description (no \`versions\`)`, { loc, hint: 'Check DBT_PACKAGE_HUB_URL.' });
    }
    const versions = new Map<string, HubVersion>();
    for (const [version, raw] of Object.entries(body.versions)) {
      if (!isRecord(raw)) continue;
      const downloads = isRecord(raw.downloads) ? raw.downloads : {};
      const tarball = typeof downloads.tarball === 'string' ? downloads.tarball : '';
      const packages = Array.isArray(raw.packages) ? raw.packages.filter(isRecord) : [];
      const req = raw.require_dbt_version;
      const requireDbtVersion = (Array.isArray(req) ? req : req === undefined || req === null || req === '' ? [] : [req]).map(String);
      versions.set(version, { version, packages, tarball, requireDbtVersion });
    }
    let movedTo: string | null = null;
    if (body.redirectnamespace || body.redirectname) {
      const [org, short] = name.split('/');
      movedTo = `${String(body.redirectnamespace || body.namespace || org)}/${String(body.redirectname || body.name || short)}`;
    }
    return { name, versions, movedTo };
  }
}

export function unknownPackage(name: string, baseUrl: string, loc?: SourceLocation): KilnError {
  return new KilnError(Codes.PACKAGE_NOT_FOUND, `Hub package ${name} does not exist on ${baseUrl}`, {
    loc,
    hint: name.includes('/') ? 'Check the spelling: hub packages are named `org/name`, as on hub.getdbt.com (e.g. dbt-labs/dbt_utils).' : 'Hub packages are named with their organisation: `org/name`, e.g. dbt-labs/dbt_utils.',
  });
}
