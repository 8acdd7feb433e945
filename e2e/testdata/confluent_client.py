"""Confluent's Python client against Tumble (e2e/confluent_client_test.go).

  produce BOOTSTRAP REGISTRY FORMAT TOPIC N   writes N orders {ID, AMOUNT} with
                                              the AVRO / PROTOBUF / JSON serializer
  consume BOOTSTRAP REGISTRY FORMAT TOPIC N   reads N records with the matching
                                              deserializer and prints them as
                                              JSON lines {"ID": ..., "DOUBLED": ...}
"""
import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

AVRO_SCHEMA = json.dumps({
    "type": "record", "name": "Order", "namespace": "shop",
    "fields": [{"name": "ID", "type": "string"}, {"name": "AMOUNT", "type": "long"}],
})
JSON_SCHEMA = json.dumps({
    "type": "object", "title": "Order",
    "properties": {"ID": {"type": "string"}, "AMOUNT": {"type": "integer"}},
    "required": ["ID", "AMOUNT"],
})


def message_class(package, name, fields):
    """A protobuf message class built at run time (no protoc)."""
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = (package or "default").replace(".", "_") + "_" + name.lower() + ".proto"
    if package:
        fdp.package = package
    fdp.syntax = "proto3"
    m = fdp.message_type.add()
    m.name = name
    for i, (fname, ftype) in enumerate(fields, 1):
        f = m.field.add()
        f.name, f.number, f.type = fname, i, ftype
        f.label = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    full = package + "." + name if package else name
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full))


T = descriptor_pb2.FieldDescriptorProto
Order = message_class("shop", "Order", [("ID", T.TYPE_STRING), ("AMOUNT", T.TYPE_INT64)])


def produce(bootstrap, registry, fmt, topic, n):
    sr = SchemaRegistryClient({"url": registry})
    if fmt == "AVRO":
        ser = AvroSerializer(sr, AVRO_SCHEMA)
        make = lambda i: {"ID": "o%d" % i, "AMOUNT": i * 10}
    elif fmt == "PROTOBUF":
        ser = ProtobufSerializer(Order, sr, {"use.deprecated.format": False})
        make = lambda i: Order(ID="o%d" % i, AMOUNT=i * 10)
    else:
        ser = JSONSerializer(JSON_SCHEMA, sr)
        make = lambda i: {"ID": "o%d" % i, "AMOUNT": i * 10}
    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(1, n + 1):
        value = ser(make(i), SerializationContext(topic, MessageField.VALUE))
        p.produce(topic, key=("o%d" % i).encode(), value=value)
    left = p.flush(30)
    if left:
        sys.exit("%d records not delivered" % left)


def consume(bootstrap, registry, fmt, topic, n):
    sr = SchemaRegistryClient({"url": registry})
    if fmt == "AVRO":
        de = AvroDeserializer(sr)
    elif fmt == "PROTOBUF":
        cls = message_class("", "ConnectDefault1", [("ID", T.TYPE_STRING), ("DOUBLED", T.TYPE_INT64)])
        de = ProtobufDeserializer(cls, {"use.deprecated.format": False})
    else:
        de = JSONDeserializer(None, schema_registry_client=sr)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "tumble-e2e-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    got = 0
    empty = 0
    while got < n and empty < 60:
        msg = c.poll(1.0)
        if msg is None:
            empty += 1
            continue
        if msg.error():
            sys.exit(str(msg.error()))
        v = de(msg.value(), SerializationContext(topic, MessageField.VALUE))
        if fmt == "PROTOBUF":
            v = {"ID": v.ID, "DOUBLED": v.DOUBLED}
        print(json.dumps(v, sort_keys=True), flush=True)
        got += 1
    c.close()
    if got < n:
        sys.exit("read %d of %d records" % (got, n))


if __name__ == "__main__":
    cmd, bootstrap, registry, fmt, topic, n = sys.argv[1:7]
    {"produce": produce, "consume": consume}[cmd](bootstrap, registry, fmt.upper(), topic, int(n))
