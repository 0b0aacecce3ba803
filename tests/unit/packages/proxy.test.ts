// Which proxy kiln deps uses for a URL: the variables as curl and requests read them, NO_PROXY's
// forms (names, domain suffixes, *, host:port, IP addresses and subnets), and passwords hidden.
import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor, proxySettings, redactProxy } from '../../../core/packages/proxy.js';

const u = (s: string) => new URL(s);

describe('proxy settings', () => {
  it('reads lower case before upper case, the scheme’s own variable before ALL_PROXY, and ignores empty values', () => {
    expect(proxySettings({})).toEqual({ http: undefined, https: undefined, noProxy: '' });
    const s = proxySettings({ https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2', HTTP_PROXY: 'proxy.corp:3128', NO_PROXY: 'a' });
    expect(s.https).toEqual({ url: 'http://low:1', variable: 'https_proxy' });
    // a bare host:port is an http proxy, as curl and requests take it
    expect(s.http).toEqual({ url: 'http://proxy.corp:3128', variable: 'HTTP_PROXY' });
    expect(s.noProxy).toBe('a');
    expect(proxySettings({ http_proxy: '', HTTP_PROXY: 'http://up:2' }).http?.variable).toBe('HTTP_PROXY');
    const all = proxySettings({ ALL_PROXY: 'socks5://s:1080', HTTP_PROXY: 'http://h:1' });
    expect(all.https?.variable).toBe('ALL_PROXY');
    expect(all.http?.variable).toBe('HTTP_PROXY');
  });

  it('uses HTTPS_PROXY for https URLs and HTTP_PROXY for http URLs only (as curl and requests do)', () => {
    const onlyHttp = proxySettings({ HTTP_PROXY: 'http://p:1' });
    expect(proxyFor(u('http://hub.example.com/x'), onlyHttp)?.url).toBe('http://p:1');
    expect(proxyFor(u('https://hub.example.com/x'), onlyHttp)).toBeUndefined();
    expect(proxyFor(u('https://hub.example.com/x'), proxySettings({ HTTPS_PROXY: 'http://q:2' }))?.url).toBe('http://q:2');
  });

  it('bypasses the proxy for NO_PROXY’s names, domain suffixes, *, host:port and IP addresses', () => {
    const no = 'localhost, .corp.example, mirror.example.com:8443 10.1.2.3,192.168.0.0/16 ::1 [fd00::5]:80 *.svc.local';
    expect(bypassesProxy(u('http://localhost:3000/'), no)).toBe(true);
    expect(bypassesProxy(u('http://LOCALHOST./'), no)).toBe(true);
    expect(bypassesProxy(u('https://hub.corp.example/'), no)).toBe(true);
    expect(bypassesProxy(u('https://corp.example/'), no)).toBe(true);
    expect(bypassesProxy(u('https://notcorp.example/'), no)).toBe(false);
    expect(bypassesProxy(u('https://mirror.example.com:8443/'), no)).toBe(true);
    expect(bypassesProxy(u('https://mirror.example.com/'), no)).toBe(false); // port 443 is not 8443
    expect(bypassesProxy(u('http://10.1.2.3:9000/'), no)).toBe(true);
    expect(bypassesProxy(u('http://10.1.2.4/'), no)).toBe(false);
    expect(bypassesProxy(u('http://192.168.44.7/'), no)).toBe(true);
    expect(bypassesProxy(u('http://[::1]:8080/'), no)).toBe(true);
    expect(bypassesProxy(u('http://[fd00::5]/'), no)).toBe(true);
    expect(bypassesProxy(u('https://[fd00::5]/'), no)).toBe(false);
    expect(bypassesProxy(u('http://api.svc.local/'), no)).toBe(true);
    expect(bypassesProxy(u('https://hub.getdbt.com/'), no)).toBe(false);
    // an entry does not match an IP address by its last digits, as it matches a name below a domain
    expect(bypassesProxy(u('http://10.1.2.3/'), '1.2.3')).toBe(false);
    expect(bypassesProxy(u('https://hub.getdbt.com/'), '*')).toBe(true);
    expect(bypassesProxy(u('https://hub.getdbt.com/'), '')).toBe(false);
    expect(proxyFor(u('https://hub.getdbt.com/'), proxySettings({ HTTPS_PROXY: 'http://p:1', no_proxy: 'getdbt.com' }))).toBeUndefined();
  });

  it('hides the password of a proxy URL', () => {
    expect(redactProxy('http://kiln:s3cr%40t@proxy:3128')).toBe('http://kiln:***@proxy:3128');
    expect(redactProxy('http://kiln@proxy:3128')).toBe('http://kiln@proxy:3128');
    expect(redactProxy('http://proxy:3128')).toBe('http://proxy:3128');
    expect(redactProxy('http://u:p@[bad')).toBe('http://u:***@[bad');
  });
});
