// Consume-throughput load generator for `npm run bench` (bench/main.ts). Like Kafka's
// ConsumerPerformance, but it takes its partitions with assign() instead of joining a consumer
// group, so it works against brokers without the group APIs. Plain kafka-clients, default
// consumer settings except the ones listed below, so it measures any Kafka broker the same way.
//
// Usage: java -cp ".tools/kafka/libs/*:<dir>" AssignConsumerPerf
//          --bootstrap-server HOST:PORT --topic T --partitions P --messages N [--timeout-ms MS]
// Reads partitions 0..P-1 from the beginning until N records arrived, then prints one JSON line:
//   {"records":N,"bytes":B,"elapsedMs":E,"firstRecordMs":F,"mbPerSec":M,"recordsPerSec":R}
// bytes counts key + value bytes (as ConsumerPerformance does); MB = 1024 * 1024 bytes.
// The clock starts after assign() + seekToBeginning(), before the first poll(), so it includes
// the first fetch's metadata and offset look-ups. Exit 3 when the timeout passes first.
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class AssignConsumerPerf {
  public static void main(String[] argv) {
    String bootstrap = null;
    String topic = null;
    int partitions = 1;
    long messages = 0;
    long timeoutMs = 120_000;
    for (int i = 0; i + 1 < argv.length; i += 2) {
      String v = argv[i + 1];
      switch (argv[i]) {
        case "--bootstrap-server" -> bootstrap = v;
        case "--topic" -> topic = v;
        case "--partitions" -> partitions = Integer.parseInt(v);
        case "--messages" -> messages = Long.parseLong(v);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(v);
        default -> {
          System.err.println("unknown argument " + argv[i]);
          System.exit(2);
        }
      }
    }
    if (bootstrap == null || topic == null || messages <= 0) {
      System.err.println(
          "usage: AssignConsumerPerf --bootstrap-server H:P --topic T --partitions P --messages N");
      System.exit(2);
    }

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "assign-consumer-perf");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));

    long records = 0;
    long bytes = 0;
    long firstRecordNs = -1;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long start = System.nanoTime();
      long deadline = start + timeoutMs * 1_000_000L;
      long end = start;
      while (records < messages) {
        if (System.nanoTime() > deadline) {
          System.err.printf(
              "timed out after %d ms with %d of %d records%n", timeoutMs, records, messages);
          System.exit(3);
        }
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (batch.isEmpty()) continue;
        if (firstRecordNs < 0) firstRecordNs = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          records++;
          if (r.key() != null) bytes += r.key().length;
          if (r.value() != null) bytes += r.value().length;
        }
        end = System.nanoTime();
      }
      double elapsedMs = (end - start) / 1e6;
      double secs = elapsedMs / 1000.0;
      System.out.printf(
          "{\"records\":%d,\"bytes\":%d,\"elapsedMs\":%.1f,\"firstRecordMs\":%.1f,"
              + "\"mbPerSec\":%.3f,\"recordsPerSec\":%.1f}%n",
          records,
          bytes,
          elapsedMs,
          (firstRecordNs - start) / 1e6,
          bytes / 1048576.0 / secs,
          records / secs);
    }
  }
}
