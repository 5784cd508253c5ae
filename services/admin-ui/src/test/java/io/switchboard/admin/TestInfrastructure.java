package io.switchboard.admin;

import io.quarkus.test.common.QuarkusTestResource;
import io.switchboard.testing.KafkaTestResource;

/** Every @QuarkusTest of this module runs against a real Kafka broker (admin-ui keeps no database). */
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
public class TestInfrastructure {
}
