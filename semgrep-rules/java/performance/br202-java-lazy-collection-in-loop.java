package com.example.service;

import java.util.List;

class ReportService {
    private OrderRepository orderRepository;
    private javax.persistence.EntityManager em;

    int totalItems() {
        int total = 0;
        List<Order> orders = orderRepository.findAll();
        for (Order order : orders) {
            // ruleid: br202-java-lazy-collection-in-loop
            total += order.getItems().size();
        }
        return total;
    }

    void print() {
        for (Customer customer : em.createQuery("select c from Customer c", Customer.class).getResultList()) {
            // ruleid: br202-java-lazy-collection-in-loop
            for (Order o : customer.getOrders()) {
                System.out.println(o);
            }
        }
    }

    void tags(String author) {
        for (Post post : orderRepository.findByAuthor(author)) {
            // ruleid: br202-java-lazy-collection-in-loop
            post.getTags().forEach(System.out::println);
        }
    }

    // ------------------------------------------------------------ negatives

    int scalar() {
        int total = 0;
        for (Order order : orderRepository.findAll()) {
            // ok: br202-java-lazy-collection-in-loop
            total += order.getQuantity();
        }
        return total;
    }

    int notFromAQuery(List<Order> orders) {
        int total = 0;
        for (Order order : orders) {
            // ok: br202-java-lazy-collection-in-loop
            total += order.getItems().size();
        }
        return total;
    }

    void status() {
        for (Order order : orderRepository.findAll()) {
            // ok: br202-java-lazy-collection-in-loop
            System.out.println(order.getStatus().length());
        }
    }
}
