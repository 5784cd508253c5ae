package io.switchboard.api;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where the platform may send a request a user chose (the HTTP tools, MCP servers, the gateway's deployments). A URL
 * must be http(s), its host on the caller's allow-list when it has one, and every address the host resolves to
 * public: no loopback, private, link-local (cloud metadata), carrier-grade NAT, unique local, multicast or reserved
 * ranges, IPv4-mapped forms included. Operators can trust named internal hosts ({@code host} or {@code host:port});
 * an allow-list still applies to them. Callers connect to the checked address, so a DNS answer that changes in
 * between cannot move the call.
 */
public final class SsrfGuard {
    private final List<String> trustedHosts;
    private final Resolver resolver;

    /** How host names become addresses: DNS, or a test's own. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public SsrfGuard(List<String> trustedHosts) {
        this(trustedHosts, InetAddress::getAllByName);
    }

    public SsrfGuard(List<String> trustedHosts, Resolver resolver) {
        this.trustedHosts = trustedHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
        this.resolver = resolver;
    }

    /** A checked destination: connect to {@code address}, say {@code host} in the Host header and TLS. */
    public record Target(URI uri, String host, int port, boolean tls, InetAddress address) {
    }

    /** Why a request may not go where it was asked to. */
    public static class Refused extends RuntimeException {
        public Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The host has no address (now): nothing can be sent there. */
    public static final class UnknownHost extends Refused {
        public UnknownHost(String host) {
            super("unknown host " + host);
        }
    }

    /** Resolves and checks {@code url} (blocking: DNS); throws {@link Refused} saying why it may not go there. */
    public Target check(String url, List<String> allowList) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new Refused("not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("only http and https URLs are allowed, not " + url);
        }
        if (uri.getHost() == null || uri.getUserInfo() != null) {
            throw new Refused("the URL needs a host (and no user info): " + url);
        }
        String host = hostName(uri.getHost());
        boolean tls = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        if (!allowList.isEmpty() && !allows(allowList, host)) {
            throw new Refused("only " + allowList + " may be called, not " + host);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new UnknownHost(host);
        }
        boolean trusted = trusts(host, port);
        for (InetAddress address : addresses) {
            if (!trusted && !isPublic(address)) {
                throw new Refused(host + " is a private or reserved address (" + address.getHostAddress()
                        + "); only public hosts may be called");
            }
        }
        return new Target(uri, host, port, tls, addresses[0]);
    }

    /** Whether the operator trusts {@code host} (a name as {@link #hostName} gives it) on {@code port}. */
    public boolean trusts(String host, int port) {
        return trustedHosts.contains(host + ":" + port) || trustedHosts.contains(host);
    }

    /** A URI's host in lower case, without the brackets of an IPv6 literal. */
    public static String hostName(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
    }

    /** Whether {@code host} is one of {@code patterns}: exact names, or {@code *.domain} for its subdomains. */
    public static boolean allows(List<String> patterns, String host) {
        String name = hostName(host);
        return patterns.stream().map(p -> p.strip().toLowerCase(Locale.ROOT))
                .anyMatch(p -> p.startsWith("*.") ? name.endsWith(p.substring(1)) : name.equals(p));
    }

    /** Whether the address is on the public internet. */
    public static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local
            }
            boolean mapped = true; // ::ffff:a.b.c.d carries an IPv4 address
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            return (b[0] & 0xe0) == 0x20; // only global unicast 2000::/3
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        return !(first == 0 // this network
                || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT
                || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                || (first == 198 && (second == 18 || second == 19)) // benchmarking
                || first >= 240); // reserved and broadcast
    }
}
