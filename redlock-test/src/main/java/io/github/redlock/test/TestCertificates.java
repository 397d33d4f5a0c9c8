package io.github.redlock.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away PKI made with {@code openssl} at test time (EC P-256, valid two days): a test CA, a
 * server certificate it signed for {@code IP:127.0.0.1} only (so {@code localhost} is a wrong host
 * name), a client certificate it signed (for mutual TLS), and an unrelated second CA. Tests are
 * skipped (not failed) when {@code openssl} is missing. Keys are unencrypted PKCS#8 PEM files.
 *
 * @param caCert the test CA's certificate (PEM)
 * @param serverCert the server certificate, for {@code IP:127.0.0.1}
 * @param serverKey the server certificate's key
 * @param clientCert a client certificate signed by the test CA
 * @param clientKey the client certificate's key
 * @param otherCaCert a CA that signed nothing used here
 */
public record TestCertificates(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
        Path otherCaCert) {

    /** Makes the files in {@code dir}; aborts the test (skipped) when {@code openssl} is not installed. */
    public static TestCertificates create(Path dir) {
        write(dir.resolve("server.ext"), """
                subjectAltName=IP:127.0.0.1
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature
                extendedKeyUsage=serverAuth
                """);
        write(dir.resolve("client.ext"), """
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature
                extendedKeyUsage=clientAuth
                """);
        ca(dir, "ca", "Redlock test CA");
        ca(dir, "other-ca", "Some other CA");
        signed(dir, "server", "/CN=127.0.0.1");
        signed(dir, "client", "/CN=redlock-client");
        return new TestCertificates(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
                dir.resolve("client.crt"), dir.resolve("client.key"), dir.resolve("other-ca.crt"));
    }

    /**
     * These certificates with the server certificate replaced by one that expired long ago (valid
     * from 1 January to 3 January 2020), for the same key and {@code IP:127.0.0.1}, signed by the
     * same test CA with {@code openssl ca}, which sets past dates on any OpenSSL version.
     */
    public TestCertificates withExpiredServerCertificate() {
        Path dir = java.util.Objects.requireNonNull(caCert.toAbsolutePath().getParent(), "the CA file has a directory");
        write(dir.resolve("expired-ca.cnf"), """
                [ ca ]
                default_ca = test
                [ test ]
                database = expired-index.txt
                new_certs_dir = .
                serial = expired-serial
                default_md = sha256
                policy = any
                unique_subject = no
                [ any ]
                commonName = supplied
                """);
        write(dir.resolve("expired-index.txt"), "");
        write(dir.resolve("expired-serial"), "01\n");
        openssl(dir, "ca", "-batch", "-config", "expired-ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in",
                "server.csr", "-out", "expired-server.crt", "-notext", "-startdate", "20200101000000Z", "-enddate",
                "20200103000000Z", "-extfile", "server.ext");
        return new TestCertificates(caCert, dir.resolve("expired-server.crt"), serverKey, clientCert, clientKey,
                otherCaCert);
    }

    /** The {@code redis-server} arguments of a TLS port with these certificates. */
    public List<String> redisServerArgs(int tlsPort, boolean requireClientCertificates) {
        return List.of("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", serverCert.toString(),
                "--tls-key-file", serverKey.toString(), "--tls-ca-cert-file", caCert.toString(), "--tls-auth-clients",
                requireClientCertificates ? "yes" : "no");
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void signed(Path dir, String name, String subject) {
        openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
    }

    private static void ca(Path dir, String name, String commonName) {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + commonName,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
            }
        } catch (IOException e) {
            Assumptions.abort("openssl is not available: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
