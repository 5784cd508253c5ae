package io.switchboard.gateway.frontdoor;

import io.switchboard.contracts.llm.ContentPart;

/** OpenAI's way of giving an image or a file: a URL, or a {@code data:<media type>;base64,<data>} URL. */
final class MediaUrls {
    private MediaUrls() {
    }

    static ContentPart part(String type, String url) {
        if (!url.startsWith("data:")) {
            return new ContentPart(type, null, null, null, url);
        }
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma);
        if (!header.endsWith(";base64") || header.length() == ";base64".length()) {
            throw FrontDoorRequest.invalid("messages: a data: URL must be data:<media type>;base64,<data>");
        }
        return new ContentPart(type, null, header.substring(0, header.length() - ";base64".length()),
                url.substring(comma + 1), null);
    }
}
