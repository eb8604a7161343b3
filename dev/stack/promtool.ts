// Prometheus's own rule checker, `promtool`, for the tests of alerting rules: `promtool check rules` reads
// rules as Prometheus loads them, `promtool test rules` evaluates them on input series. Built once per
// version from the Go module proxy and cached like the other Go tools, or taken from PROMTOOL_PATH on a
// machine without Go.
import { cachedToolPaths, resolveCachedTool, type CachedTool, type CachedToolSpec } from './cached-tool.js';

/**
 * The Go module version of Prometheus v3.16.0 (Prometheus 3 tags its module v0.3MM.P), the newest on the
 * module proxy on 2026-12-05. Its go.mod has no `replace` or `exclude` (go 1.26.7), so
 * `go install module@version` takes it as it is.
 */
export const PROMETHEUS_MODULE_VERSION = 'v0.316.0';
/** The Prometheus release that module version is, stamped into the binary for `promtool --version`. */
export const PROMETHEUS_VERSION = '3.16.0';

const VERSION_PACKAGE = 'github.com/prometheus/common/version';

export const PROMTOOL: CachedToolSpec = {
  name: 'promtool',
  cacheName: 'promtool',
  version: PROMETHEUS_MODULE_VERSION,
  override: 'PROMTOOL_PATH',
  executable: 'promtool',
  estimate: '10-20 minutes',
  build: {
    tool: 'go',
    args: [
      'install',
      `-ldflags=-s -w -X ${VERSION_PACKAGE}.Version=${PROMETHEUS_VERSION} -X ${VERSION_PACKAGE}.Branch=HEAD`,
      `github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_MODULE_VERSION}`,
    ],
    env: { GOBIN: '$OUT' },
  },
  without: 'Go 1.26.7 or newer',
};

/** `promtool`: `$PROMTOOL_PATH` if set, else the cached build of the pinned version, else built once. */
export function resolvePromtool(): Promise<CachedTool> {
  return resolveCachedTool(PROMTOOL);
}

/** Where the pinned promtool is (or will be) cached. */
export const promtoolPaths = () => cachedToolPaths(PROMTOOL);
