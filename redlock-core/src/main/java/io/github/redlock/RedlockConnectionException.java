package io.github.redlock;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when building a {@link Redlock} while fewer than a quorum of its nodes can be reached
 * (see {@link RedlockOptions#requireQuorumOnStartup()}); lists each node's error.
 */
public class RedlockConnectionException extends RedlockException {

    private static final long serialVersionUID = 1L;

    private final transient List<NodeOutcome> nodes;

    public RedlockConnectionException(int quorum, List<NodeOutcome> nodes) {
        super("Only " + nodes.stream().filter(n -> n.status() == NodeStatus.OK).count() + " of " + nodes.size()
                + " Redis nodes could be reached, a quorum needs " + quorum + ": "
                + nodes.stream().map(NodeOutcome::toString).collect(Collectors.joining(", ")) + ". " + fix(nodes));
        this.nodes = List.copyOf(nodes);
    }

    /**
     * What to do, from what the nodes said: wrong credentials, missing ACL rights, an expired (or
     * not yet valid) certificate, an untrusted or misnamed certificate, a missing client certificate, TLS spoken to one side only, or nodes down.
     */
    static String fix(List<NodeOutcome> nodes) {
        String details = nodes.stream().filter(n -> n.status() != NodeStatus.OK && n.detail() != null)
                .map(n -> n.node() + " " + n.detail()).collect(Collectors.joining("\n"));
        if (details.contains("WRONGPASS") || details.contains("NOAUTH") || details.contains("invalid password")) {
            return "Check the credentials: the user name and password in each server's URI (percent-encode @ : / in"
                    + " them), or the ACL user's password.";
        }
        if (details.contains("NOPERM")) {
            return "Check the ACL: the user must be allowed EVAL, EVALSHA, SET, GET, DEL, PEXPIRE, PING and INFO (for"
                    + " example +eval +evalsha +set +get +del +pexpire +ping +info, on the lock keys).";
        }
        // The JDK's words: CertificateExpiredException "NotAfter: <date>", CertificateNotYetValidException "NotBefore: <date>".
        if (details.contains("NotAfter") || details.contains("NotBefore")) {
            return "Check the certificate dates: a certificate the server presented has expired (NotAfter in the past)"
                    + " or is not valid yet (NotBefore in the future), as the date after NotAfter/NotBefore says; the"
                    + " handshake is refused whatever the CA. Renew it on the server (redis-server reads tls-cert-file"
                    + " at startup, or again after CONFIG SET tls-cert-file), and check this host's clock. If the"
                    + " server's certificate is current, the trusted CA certificate itself may have expired: renew"
                    + " the CA, the server certificates it signs and the truststore (in Spring Boot the"
                    + " redlock.ssl.bundle bundle; with the core engine sslOptions). The check cannot be turned off.";
        }
        if (details.contains("certification path") || details.contains("PKIX") || details.contains("subject alternative")
                || details.contains("No name matching")
                || details.contains("certificate_unknown") || details.contains("unknown_ca")) {
            return "Check the certificates: the client must trust the CA that signed each server's certificate (in"
                    + " Spring Boot name a spring.ssl.bundle.* bundle in redlock.ssl.bundle; with the core engine set"
                    + " sslOptions), and the certificate must name the host written in the URI. Verification of both"
                    + " cannot be turned off.";
        }
        if (details.contains("certificate_expired")) {
            return "Check the client certificate's dates: the server refused it as expired (or not yet valid). Renew"
                    + " it (in Spring Boot the keystore of the redlock.ssl.bundle bundle; with the core engine"
                    + " sslOptions' keyManager), and check the server's clock.";
        }
        if (details.contains("certificate_required") || details.contains("bad_certificate")) {
            return "Check the client certificate: the server requires one signed by a CA it trusts (in Spring Boot the"
                    + " keystore of the redlock.ssl.bundle bundle; with the core engine sslOptions' keyManager).";
        }
        boolean tlsUri = nodes.stream().anyMatch(n -> n.status() != NodeStatus.OK && n.node().startsWith("rediss://"));
        boolean plainUri = nodes.stream().anyMatch(n -> n.status() != NodeStatus.OK && n.node().startsWith("redis://"));
        if (tlsUri && (details.contains("no connection within") || details.contains("SSL") || details.contains("ssl"))) {
            return "Check TLS: a rediss:// URI needs a server that speaks TLS on that port (a plain server never"
                    + " answers the handshake); use redis:// for a plain server. Otherwise start the missing nodes, fix"
                    + " their addresses, or set requireQuorumOnStartup(false) to start anyway and connect them later.";
        }
        if (plainUri && (details.contains("Connection reset") || details.contains("no connection within"))) {
            return "If the servers expect TLS, use rediss:// URIs (a TLS port resets a plain connection). Otherwise start"
                    + " the missing nodes, fix their addresses, or set requireQuorumOnStartup(false) to start anyway and"
                    + " connect them later.";
        }
        return "Start the missing nodes, fix their addresses, or set requireQuorumOnStartup(false) to start anyway and"
                + " connect them later.";
    }

    /** What to do about it, judged from what the nodes answered (credentials, ACL, TLS, or nodes down). */
    public String fix() {
        return fix(nodes);
    }

    public List<NodeOutcome> nodes() {
        return nodes;
    }
}
