"""The operators' side of `ybj`: finding the running platform (`locate`), progress bars (`progress`), Kafka offsets
(`offsets`), lag (`lag`), replay into a reactor (`replay`), the commands themselves (`commands`), and the one place
where service code is reached by name (`services`)."""
