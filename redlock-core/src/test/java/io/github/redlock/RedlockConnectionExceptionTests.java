package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The startup error says what to fix, from what the nodes answered (the texts are Lettuce's and Redis's own). */
class RedlockConnectionExceptionTests {

    private static String message(NodeOutcome... nodes) {
        return new RedlockConnectionException(2, List.of(nodes)).getMessage();
    }

    @Test
    void wrongOrMissingPasswordsSayCheckTheCredentials() {
        assertThat(message(new NodeOutcome("redis://127.0.0.1:7411", NodeStatus.ERROR,
                "Unable to connect to 127.0.0.1/<unresolved>:7411: WRONGPASS invalid username-password pair or user is disabled.")))
                .contains("Check the credentials").doesNotContain("requireQuorumOnStartup");
        assertThat(message(new NodeOutcome("redis://127.0.0.1:7411", NodeStatus.ERROR, "NOAUTH Authentication required.")))
                .contains("Check the credentials");
    }

    @Test
    void missingAclRightsNameTheCommandsTheEngineNeeds() {
        assertThat(message(new NodeOutcome("redis://127.0.0.1:7411", NodeStatus.ERROR,
                "NOPERM User locks has no permissions to run the 'ping' command")))
                .contains("Check the ACL").contains("EVALSHA").contains("PEXPIRE").contains("+get").contains("+info");
    }

    @Test
    void tlsSpokenToAPlainServerSaysSo() {
        assertThat(message(new NodeOutcome("rediss://127.0.0.1:7411", NodeStatus.TIMEOUT, "no connection within 2000 ms")))
                .contains("Check TLS").contains("rediss://").contains("start the missing nodes");
        assertThat(message(new NodeOutcome("redis://127.0.0.1:7411", NodeStatus.ERROR,
                "Unable to connect to 127.0.0.1/<unresolved>:7411: Connection reset"))).contains("use rediss://");
    }

    @Test
    void nodesThatAreDownAreToBeStarted() {
        assertThat(message(new NodeOutcome("redis://127.0.0.1:7411", NodeStatus.ERROR,
                "Unable to connect to 127.0.0.1/<unresolved>:7411: Connection refused")))
                .contains("Start the missing nodes").contains("requireQuorumOnStartup(false)");
    }

    @Test
    void anUntrustedOrMisnamedCertificateSaysHowToTrustTheCa() {
        assertThat(message(new NodeOutcome("rediss://127.0.0.1:7411", NodeStatus.ERROR, "Unable to connect to"
                + " 127.0.0.1/<unresolved>:7411: unable to find valid certification path to requested target")))
                .contains("Check the certificates").contains("redlock.ssl.bundle").contains("sslOptions");
        assertThat(message(new NodeOutcome("rediss://localhost:7411", NodeStatus.ERROR, "Unable to connect to"
                + " localhost/<unresolved>:7411: No name matching localhost found")))
                .contains("Check the certificates").contains("must name the host");
    }

    @Test
    void aMissingClientCertificateSaysWhereToGiveIt() {
        assertThat(message(new NodeOutcome("rediss://127.0.0.1:7411", NodeStatus.ERROR,
                "Received fatal alert: certificate_required")))
                .contains("Check the client certificate").contains("keystore of the redlock.ssl.bundle bundle");
    }

    @Test
    void anExpiredOrNotYetValidCertificateSaysToRenewItAndCheckTheClock() {
        assertThat(message(new NodeOutcome("rediss://127.0.0.1:7411", NodeStatus.ERROR, "Unable to connect to"
                + " 127.0.0.1/<unresolved>:7411: NotAfter: Fri Jan 03 00:00:00 UTC 2020")))
                .contains("has expired").contains("Renew it on the server").contains("clock")
                .contains("the trusted CA certificate itself may have expired").doesNotContain("Start the missing nodes");
        assertThat(message(new NodeOutcome("rediss://127.0.0.1:7411", NodeStatus.ERROR, "Unable to connect to"
                + " 127.0.0.1/<unresolved>:7411: NotBefore: Fri Jan 03 00:00:00 UTC 2100")))
                .contains("is not valid yet");
        assertThat(message(new NodeOutcome("rediss://127.0.0.1:7411", NodeStatus.ERROR,
                "Received fatal alert: certificate_expired"))).contains("Check the client certificate's dates");
    }
}
