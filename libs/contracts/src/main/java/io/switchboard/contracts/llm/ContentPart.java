package io.switchboard.contracts.llm;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One part of a message that is more than text: {@code text}, {@code image} or {@code document} (a PDF, say), or the
 * {@code thinking} of an assistant's message. An image or document is either at a {@code url} or carried as base64
 * {@code data} with its {@code mediaType} ({@code image/png}, {@code application/pdf}). Thinking is its {@code text}
 * and the vendor's {@code signature} over it (Anthropic wants both back with the tool results that followed it).
 * {@code detail} is OpenAI's resolution hint for an image ({@code low}, {@code high}, {@code auto}); vendors without
 * one see the image as it is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContentPart(String type, String text, String mediaType, String data, String url, String signature,
                          String detail) {
    public static final String TEXT = "text";
    public static final String IMAGE = "image";
    public static final String DOCUMENT = "document";
    public static final String THINKING = "thinking";

    public ContentPart(String type, String text, String mediaType, String data, String url) {
        this(type, text, mediaType, data, url, null, null);
    }

    public static ContentPart thinking(String text, String signature) {
        return new ContentPart(THINKING, text, null, null, null, signature, null);
    }

    /** The same image with OpenAI's resolution hint. */
    public ContentPart withDetail(String detail) {
        return new ContentPart(type, text, mediaType, data, url, signature, detail);
    }

    public static ContentPart text(String text) {
        return new ContentPart(TEXT, text, null, null, null);
    }

    public static ContentPart image(String mediaType, String base64) {
        return new ContentPart(IMAGE, null, mediaType, base64, null);
    }

    public static ContentPart imageAt(String url) {
        return new ContentPart(IMAGE, null, null, null, url);
    }

    public static ContentPart document(String mediaType, String base64) {
        return new ContentPart(DOCUMENT, null, mediaType, base64, null);
    }

    public static ContentPart documentAt(String url) {
        return new ContentPart(DOCUMENT, null, null, null, url);
    }

    /** Whether it is carried inline (base64) rather than at a URL. */
    public boolean inline() {
        return data != null;
    }

    /** As a {@code data:} URL ({@code data:image/png;base64,...}), for vendors that take inline files that way. */
    public String dataUrl() {
        return "data:" + mediaType + ";base64," + data;
    }
}
