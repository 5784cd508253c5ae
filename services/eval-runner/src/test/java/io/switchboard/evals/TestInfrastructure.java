package io.switchboard.evals;

import io.quarkus.test.common.QuarkusTestResource;
import io.switchboard.testing.KafkaTestResource;
import io.switchboard.testing.PostgresTestResource;

/** Every @QuarkusTest of this module runs against a real Kafka broker and a real PostgreSQL. */
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
public class TestInfrastructure {
}
