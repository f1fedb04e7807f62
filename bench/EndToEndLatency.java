// End-to-end latency load generator for `npm run bench` (bench/main.ts): one producer and one
// consumer in the same JVM, so both read the same System.nanoTime() clock. Plain kafka-clients,
// default settings except acks=all (producer) and no auto-commit (consumer), so it measures any
// Kafka broker the same way.
//
// Usage: java -cp ".tools/kafka/libs/*:<dir>" EndToEndLatency
//          --bootstrap-server HOST:PORT --topic T --partitions P --records N --rate R
//          --record-size B [--warmup-records W] [--timeout-ms MS]
// The consumer assign()s partitions 0..P-1 of a fresh topic and seeks to their end (positions
// resolved before the first send); the producer then sends N records of B bytes at R records/s,
// round-robin over the partitions, each value starting with its send time (nanoTime). Ack
// latency = acknowledgement - send; end-to-end latency = consumer poll() return - send. The
// first W records (default: one second's worth) are sent and consumed but left out of the
// percentiles: they carry the producer's metadata fetch and connection set-up. Prints one line:
//   {"records":N,"warmupRecords":W,"rate":R,"elapsedMs":E,
//    "ack":{"p50Ms":..,"p99Ms":..,"p999Ms":..,"maxMs":..},
//    "e2e":{"p50Ms":..,"p99Ms":..,"p999Ms":..,"maxMs":..}}
// Exit 3 when the timeout passes before every record was acknowledged and consumed; exit 4 when
// a send fails.
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class EndToEndLatency {
  public static void main(String[] argv) throws Exception {
    String bootstrap = null;
    String topic = null;
    int partitions = 1;
    int records = 0;
    double rate = 0;
    int recordSize = 1024;
    long timeoutMs = 120_000;
    int warmup = -1;
    for (int i = 0; i + 1 < argv.length; i += 2) {
      String v = argv[i + 1];
      switch (argv[i]) {
        case "--bootstrap-server" -> bootstrap = v;
        case "--topic" -> topic = v;
        case "--partitions" -> partitions = Integer.parseInt(v);
        case "--records" -> records = Integer.parseInt(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--record-size" -> recordSize = Integer.parseInt(v);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(v);
        case "--warmup-records" -> warmup = Integer.parseInt(v);
        default -> {
          System.err.println("unknown argument " + argv[i]);
          System.exit(2);
        }
      }
    }
    if (bootstrap == null || topic == null || records <= 0 || rate <= 0 || recordSize < 8) {
      System.err.println(
          "usage: EndToEndLatency --bootstrap-server H:P --topic T --partitions P --records N"
              + " --rate R --record-size B(>=8) [--timeout-ms MS]");
      System.exit(2);
    }

    if (warmup < 0) warmup = (int) Math.min(Math.ceil(rate), records / 2);
    if (warmup >= records) {
      System.err.println("--warmup-records must be less than --records");
      System.exit(2);
    }

    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "e2e-latency-consumer");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "e2e-latency-producer");
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));

    final int n = records;
    final long[] ackNs = new long[n];
    final long[] e2eNs = new long[n];
    final AtomicLong acked = new AtomicLong();
    final AtomicLong consumed = new AtomicLong();
    final AtomicReference<Exception> sendError = new AtomicReference<>();
    final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;

    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp);
    consumer.assign(tps);
    consumer.seekToEnd(tps);
    for (TopicPartition tp : tps) consumer.position(tp, Duration.ofSeconds(60));

    Thread reader =
        new Thread(
            () -> {
              int seen = 0;
              while (seen < n && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                  if (seen >= n) break;
                  e2eNs[seen++] = now - ByteBuffer.wrap(r.value()).getLong();
                }
                consumed.set(seen);
              }
            },
            "e2e-consumer");
    reader.start();

    long start = System.nanoTime();
    double intervalNs = 1e9 / rate;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      for (int i = 0; i < n; i++) {
        long due = start + (long) (i * intervalNs);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
        byte[] value = new byte[recordSize];
        long sent = System.nanoTime();
        ByteBuffer.wrap(value).putLong(sent);
        final int index = i;
        producer.send(
            new ProducerRecord<>(topic, i % partitions, null, value),
            (meta, err) -> {
              if (err != null) sendError.compareAndSet(null, err);
              else ackNs[index] = System.nanoTime() - sent;
              acked.incrementAndGet();
            });
        if (System.nanoTime() > deadline) break;
      }
      producer.flush();
    }
    reader.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
    long elapsedNs = System.nanoTime() - start;
    if (sendError.get() != null) {
      System.err.println("send failed: " + sendError.get());
      System.exit(4);
    }
    if (acked.get() < n || consumed.get() < n) {
      System.err.printf(
          "timed out after %d ms: %d acknowledged, %d consumed of %d%n",
          timeoutMs, acked.get(), consumed.get(), n);
      System.exit(3);
    }
    consumer.close();
    System.out.printf(
        "{\"records\":%d,\"warmupRecords\":%d,\"rate\":%.1f,\"elapsedMs\":%.1f,"
            + "\"ack\":%s,\"e2e\":%s}%n",
        n,
        warmup,
        rate,
        elapsedNs / 1e6,
        percentiles(Arrays.copyOfRange(ackNs, warmup, n)),
        percentiles(Arrays.copyOfRange(e2eNs, warmup, n)));
  }

  private static String percentiles(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    return String.format(
        "{\"p50Ms\":%.2f,\"p99Ms\":%.2f,\"p999Ms\":%.2f,\"maxMs\":%.2f}",
        at(s, 0.50), at(s, 0.99), at(s, 0.999), s[s.length - 1] / 1e6);
  }

  /** Nearest-rank percentile, in ms. */
  private static double at(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }
}
