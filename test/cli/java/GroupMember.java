// One member of a classic consumer group (Java kafka-clients 4.1.1), for the `floe groups`
// tests: it joins GROUP, consumes each partition up to a target offset, commits exactly those
// offsets, prints READY, and stays in the group (heartbeating) until its stdin closes; then it
// leaves the group cleanly and prints CLOSED.
//
//   java -cp <classes>:<kafka libs>/* GroupMember BOOTSTRAP TOPIC GROUP CLIENT_ID P:OFFSET,...
//
// A target of 0 means "own the partition but commit nothing". Exit 3 if the member is not
// READY within 60 s. Compiled on the fly by test/cli/floe-groups-suite.ts.

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class GroupMember {
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: GroupMember BOOTSTRAP TOPIC GROUP CLIENT_ID P:OFFSET,...");
      System.exit(2);
    }
    String topic = args[1];
    Map<TopicPartition, Long> targets = new HashMap<>();
    for (String spec : args[4].split(",")) {
      String[] kv = spec.split(":");
      targets.put(new TopicPartition(topic, Integer.parseInt(kv[0])), Long.parseLong(kv[1]));
    }
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, args[3]);
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

    AtomicBoolean stdinClosed = new AtomicBoolean(false);
    Thread stdinWatcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // wait for EOF
        }
      } catch (Exception ignored) {
        // treat as closed
      }
      stdinClosed.set(true);
    });
    stdinWatcher.setDaemon(true);
    stdinWatcher.start();

    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      Map<TopicPartition, Long> positions = new HashMap<>();
      long deadline = System.currentTimeMillis() + 60_000;
      boolean ready = false;
      while (!stdinClosed.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          positions.merge(tp, r.offset() + 1, Math::max);
        }
        if (ready) continue;
        for (TopicPartition tp : consumer.assignment()) {
          if (positions.getOrDefault(tp, 0L) >= targets.getOrDefault(tp, 0L)) {
            consumer.pause(List.of(tp));
          }
        }
        if (consumer.assignment().equals(targets.keySet())
            && consumer.paused().containsAll(targets.keySet())) {
          Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
          targets.forEach((tp, offset) -> {
            if (offset > 0) commits.put(tp, new OffsetAndMetadata(offset));
          });
          consumer.commitSync(commits);
          ready = true;
          System.out.println("READY");
          System.out.flush();
        } else if (System.currentTimeMillis() > deadline) {
          System.err.println("not ready after 60 s; assignment " + consumer.assignment()
              + ", positions " + positions);
          System.exit(3);
        }
      }
    }
    System.out.println("CLOSED");
    System.out.flush();
  }
}
