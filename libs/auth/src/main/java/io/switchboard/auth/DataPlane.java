package io.switchboard.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Chat traffic (a session started, a message sent), not a management write: it is kept in the sessions themselves and
 * not copied to the audit log, which would otherwise grow with every message.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface DataPlane {
}
