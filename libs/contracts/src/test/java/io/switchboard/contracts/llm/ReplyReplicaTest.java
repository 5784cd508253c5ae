package io.switchboard.contracts.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyReplicaTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void twoReplicasAnsweringOneRequestAtOnce_theFirstIsKept() {
        ReplyReplica replica = new ReplyReplica();
        List<String> taken = new ArrayList<>();
        // gateway a answers; its partition moved before the read was committed, and gateway b answers it too
        String[][] arriving = {{"a", "0"}, {"a", "1"}, {"b", "0"}, {"a", "2"}, {"b", "1"}, {"a", "3"}, {"b", "2"}};
        long now = 0;
        for (String[] chunk : arriving) {
            now += SECOND / 100;
            if (replica.takes(chunk[0], Integer.parseInt(chunk[1]), now)) {
                taken.add(chunk[0] + chunk[1]);
            }
        }
        assertThat(taken).containsExactly("a0", "a1", "a2", "a3");
    }

    @Test
    void anotherReplicaStartingOver_isTakenOnceTheFirstHasBeenSilentLongerThanALiveOneIs() {
        ReplyReplica replica = new ReplyReplica();
        assertThat(replica.takes("a", 0, 0)).isTrue();
        assertThat(replica.takes("a", 1, SECOND)).isTrue();
        // a keeps sending keep-alives (every 5 to 7.5 s) while it lives: b's answer is not taken
        assertThat(replica.takes("b", 0, 7 * SECOND)).isFalse();
        assertThat(replica.takes("a", 2, 8 * SECOND)).isTrue();
        // a died: its restart (a new process, b) reads the request again and answers from the start
        assertThat(replica.takes("b", 1, 20 * SECOND)).as("not from the start").isFalse();
        assertThat(replica.takes("b", 0, 20 * SECOND)).isTrue();
        assertThat(replica.takes("b", 1, 21 * SECOND)).isTrue();
        assertThat(replica.takes("a", 3, 21 * SECOND)).as("the first one, back from a pause").isFalse();
    }

    @Test
    void chunksThatNameNoReplica_areAlwaysTaken() {
        ReplyReplica replica = new ReplyReplica();
        assertThat(replica.takes(null, 0, 0)).isTrue();
        assertThat(replica.takes("a", 1, 1)).isTrue();
        assertThat(replica.takes(null, 2, 2)).isTrue();
        assertThat(replica.takes("b", 3, 3)).isFalse();
    }
}
