// The egress policy (pure): hosts, wildcards, schemes, user info, IP literals in every notation.
import { describe, expect, it } from "vitest";
import { checkUrl, displayUrl, hostMatches, isHostPattern } from "../../src/engine/egress";

const policy = {
  allowedHosts: ["api.example.com", "*.corp.example", "127.0.0.1"],
  insecureHosts: ["127.0.0.1"],
};
const reason = (url: string, p = policy) => {
  const r = checkUrl(url, p);
  return r.ok ? "ok" : r.reason;
};

describe("egress policy", () => {
  it("allows listed hosts over https, wildcards for sub-domains only", () => {
    expect(reason("https://api.example.com/v1?x=1")).toBe("ok");
    expect(reason("https://API.Example.com./v1")).toBe("ok");
    expect(reason("https://a.b.corp.example/")).toBe("ok");
    expect(reason("https://corp.example/")).toBe("host corp.example is not in allowed_hosts");
    expect(reason("https://evil.com/")).toBe("host evil.com is not in allowed_hosts");
    expect(reason("https://api.example.com.evil.com/")).toBe(
      "host api.example.com.evil.com is not in allowed_hosts",
    );
    expect(reason("https://evilcorp.example/")).toBe("host evilcorp.example is not in allowed_hosts");
  });

  it("an empty list means no network", () => {
    expect(reason("https://api.example.com/", { allowedHosts: [], insecureHosts: [] })).toMatch(
      /not in allowed_hosts/,
    );
  });

  it("https only, plain http for ALLOW_INSECURE_HTTP_HOSTS", () => {
    expect(reason("http://api.example.com/")).toMatch(/plain http:\/\/ to api.example.com not allowed/);
    expect(reason("http://127.0.0.1:8080/x")).toBe("ok");
    expect(reason("ftp://api.example.com/")).toMatch(/scheme ftp: not allowed/);
    expect(reason("file:///etc/passwd")).toMatch(/scheme file: not allowed/);
    expect(reason("not a url")).toBe("invalid URL");
  });

  it("refuses user info", () => {
    expect(reason("https://user:pw@api.example.com/")).toBe("user info in the URL is not allowed");
    expect(reason("https://user@api.example.com/")).toBe("user info in the URL is not allowed");
    expect(reason("https://@api.example.com/")).toBe("user info in the URL is not allowed");
  });

  it("refuses IP literals in any notation unless written canonically and listed", () => {
    for (const url of [
      "http://2130706433/",
      "http://0x7f.1/",
      "http://0x7f000001/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://127.0.0.1./",
      "http://127.0.0.%31/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "https://10.0.0.1/",
      "https://169.254.169.254/latest/meta-data",
    ]) {
      expect(reason(url), url).toMatch(/^IP address literal .* not allowed$/);
    }
    expect(reason("http://127.0.0.1/")).toBe("ok");
    const v6 = { allowedHosts: ["[::1]"], insecureHosts: [] };
    expect(reason("https://[::1]/", v6)).toBe("ok");
    expect(reason("https://[0:0::1]/", v6)).toMatch(/IP address literal/);
  });

  it("IPs never match a wildcard", () => {
    expect(hostMatches("127.0.0.1", ["*.0.0.1"])).toBe(false);
  });

  it("validates allowed_hosts entries", () => {
    for (const ok of ["api.example.com", "*.example.com", "*.co.uk", "127.0.0.1", "[::1]", "localhost"])
      expect(isHostPattern(ok), ok).toBe(true);
    for (const bad of [
      "*",
      "*.*.com",
      "*.com",
      "*.localhost",
      "http://x.com",
      "x.com/path",
      "a b",
      "300.1.1.1",
      "1.2.3",
      "*.1.2.3",
      "x.com:443",
      "[0:0::1]",
      "",
    ]) {
      expect(isHostPattern(bad), bad).toBe(false);
    }
  });

  it("displays URLs without query values or fragment", () => {
    expect(displayUrl(new URL("https://h.example/p/a?token=s3cret&q=1#frag"))).toBe(
      "https://h.example/p/a?token=&q=",
    );
    expect(displayUrl(new URL("https://h.example/"))).toBe("https://h.example/");
  });
});
