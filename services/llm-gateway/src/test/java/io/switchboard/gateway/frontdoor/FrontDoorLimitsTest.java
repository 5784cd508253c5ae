package io.switchboard.gateway.frontdoor;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.gateway.TestKeys;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The front doors bound a request before doing anything else with it, and never take a file upload. */
@QuarkusTest
class FrontDoorLimitsTest {

    @TestHTTPResource("/")
    URI base;

    /** A client announces 17 MiB and sends a few bytes: the answer comes at once, from the headers alone. */
    @Test
    void anOversizedBodyIsRefusedBeforeItIsReadOrItsKeyChecked() throws Exception {
        for (String door : new String[] {"/v1/chat/completions", "/v1/messages", "/v1/embeddings"}) {
            try (Socket socket = new Socket(base.getHost(), base.getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST " + door + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + (17 * 1024 * 1024) + "\r\n\r\n{\"model\"")
                        .getBytes(StandardCharsets.US_ASCII));
                String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                assertThat(status).as(door).startsWith("HTTP/1.1 413");
            }
        }
    }

    @Test
    void aFileUploadIsNotWrittenAnywhere() throws Exception {
        Path uploads = Path.of("file-uploads"); // Vert.x's default upload directory, under the working directory
        long before = Files.isDirectory(uploads) ? Files.list(uploads).count() : 0;
        File upload = Files.createTempFile("upload", ".bin").toFile();
        Files.write(upload.toPath(), new byte[1024 * 1024]);
        for (String door : new String[] {"/v1/chat/completions", "/v1/messages", "/v1/embeddings"}) {
            int status = given().header("Authorization", "Bearer " + TestKeys.unlimited())
                    .multiPart("file", upload).post(door).then().extract().statusCode();
            assertThat(status).as(door).isBetween(400, 499);
        }
        long after = Files.isDirectory(uploads) ? Files.list(uploads).count() : 0;
        assertThat(after).as("files written to " + uploads.toAbsolutePath()).isEqualTo(before);
    }
}
