package com.example.service;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

class OrderService {
    private OrderRepository orderRepository;
    private CustomerRepository customerRepository;
    private javax.persistence.EntityManager em;
    private org.springframework.jdbc.core.JdbcTemplate jdbcTemplate;

    void names(List<Order> orders) {
        for (Order order : orders) {
            // ruleid: br201-java-query-in-loop
            Customer c = customerRepository.findById(order.getCustomerId()).orElseThrow();
            System.out.println(c.getName());
        }
    }

    void counts(List<Long> ids) {
        for (int i = 0; i < ids.size(); i++) {
            // ruleid: br201-java-query-in-loop
            long n = orderRepository.countByCustomerId(ids.get(i));
        }
    }

    List<Customer> streamed(List<Order> orders) {
        return orders.stream()
                // ruleid: br201-java-query-in-loop
                .map(o -> em.find(Customer.class, o.getCustomerId()))
                .collect(Collectors.toList());
    }

    void jdbc(List<Long> ids) {
        ids.forEach(id -> {
            // ruleid: br201-java-query-in-loop
            jdbcTemplate.queryForMap("SELECT * FROM customers WHERE id = ?", id);
        });
    }

    // ------------------------------------------------------------ negatives

    void batched(List<Order> orders) {
        List<Long> ids = orders.stream().map(Order::getCustomerId).collect(Collectors.toList());
        // ok: br201-java-query-in-loop
        Map<Long, Customer> byId = customerRepository.findAllById(ids).stream()
                .collect(Collectors.toMap(Customer::getId, c -> c));
        for (Order order : orders) {
            // ok: br201-java-query-in-loop
            Customer c = byId.get(order.getCustomerId());
        }
    }

    void plainGetters(List<Order> orders) {
        for (Order order : orders) {
            // ok: br201-java-query-in-loop
            System.out.println(order.getCustomerId());
        }
    }
}
